--[[
  Admits a call into a budget, or hands out a ticket: a time to come back.

  Time is cut into slots of `unit` ms (the budget's spacing at its granted rate). Every call books the first
  free slot from which it may start: never before the end of a pause, and at least one round after the
  caller's previous slot (round = callers holding slots), so concurrent callers interleave and one caller's
  burst leaves room for the others. A slot within the wait bound admits the call at once (it queues on this
  replica); a later one is a ticket, and the caller is told to come back then, when it is admitted ahead
  of everybody. Deferred callers thus return at a pace the budget can serve, not all at once.
  A caller holds at most its share of the places (tickets, and slots of admitted calls not yet due): the
  slots within the wait bound divided among the competing callers, at least one. A call beyond that books
  nothing and is told when the caller's turn is likely to come round again, so a burst cannot book the
  next minutes ahead of callers who arrive a moment later, while a caller alone may use the whole budget.

  KEYS[1] tickets  ZSET  member = caller .. "\31" .. ticket id, score = due time (ms, Redis clock)
  KEYS[2] slots    ZSET  member = slot index, score = slot time (ms)
  KEYS[3] last     ZSET  member = caller, score = index of that caller's latest slot
  KEYS[4] pause    STRING reason; its PTTL is the remaining pause
  KEYS[5] held     HASH   caller -> places it holds (tickets + admitted slots not yet due)
  KEYS[6] admitted ZSET  member = caller .. "\31" .. ticket id, score = slot time of an admitted call
  KEYS[7] competing ZSET member = caller, score = time until which it competes (its latest slot, or the
          time it was told to come back)
  ARGV[1] caller key
  ARGV[2] ticket id (unique per call)
  ARGV[3] local wait estimate, ms (this replica's own queue)
  ARGV[4] unit, ms (budget interval / units granted per interval)
  ARGV[5] weight (slots the call takes)
  ARGV[6] max wait, ms (a call whose slot is within 4/5 of it is admitted at once)
  ARGV[7] "admit" (admit when the slot is near) or "defer" (book a ticket in any case)
  ARGV[8] grace, ms: how late a ticket may be redeemed
  ARGV[9] early tolerance, ms: how early a ticket may be redeemed
  ARGV[10] places to share among competing callers (slots within the wait bound)
  Returns {1, ticketed (0|1), pause ms} when admitted, {0, retry after ms, pause ms} otherwise.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local caller = ARGV[1]
local local_wait = tonumber(ARGV[3])
local unit = tonumber(ARGV[4])
local weight = tonumber(ARGV[5])
local max_wait = tonumber(ARGV[6])
local mode = ARGV[7]
local grace = tonumber(ARGV[8])
local early = tonumber(ARGV[9])
local prefix = caller .. '\31'
local share_of = tonumber(ARGV[10])

local function release(zset, member)
  local sep = string.find(member, '\31', 1, true)
  if sep then
    local who = string.sub(member, 1, sep - 1)
    if redis.call('HINCRBY', KEYS[5], who, -1) <= 0 then
      redis.call('HDEL', KEYS[5], who)
    end
  end
  redis.call('ZREM', zset, member)
end

local pause_ms = tonumber(redis.call('PTTL', KEYS[4]))
if pause_ms < 0 then pause_ms = 0 end

for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - grace))) do
  release(KEYS[1], member)
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', '(' .. now)) do
  release(KEYS[6], member)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - grace))

-- A round has one place per competing caller: callers holding future slots, and callers told to come
-- back (they hold nothing meanwhile, yet compete).
local current = math.floor(now / unit)
local last = tonumber(redis.call('ZSCORE', KEYS[3], caller) or '')
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', '(' .. now)
local holders = redis.call('ZCARD', KEYS[7])
if not redis.call('ZSCORE', KEYS[7], caller) then holders = holders + 1 end

local function compete_until(t)
  local at = tonumber(redis.call('ZSCORE', KEYS[7], caller) or '0')
  if t > at then redis.call('ZADD', KEYS[7], t, caller) end
  redis.call('PEXPIRE', KEYS[7], math.max(1, t - now) + 1000)
end

if mode == 'admit' then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], now - grace, now + early)
  for _, member in ipairs(due) do
    if string.sub(member, 1, #prefix) == prefix then
      release(KEYS[1], member)
      return {1, 1, pause_ms}
    end
  end
  local held = tonumber(redis.call('HGET', KEYS[5], caller) or '0')
  if held >= math.max(1, math.floor(share_of / holders)) then
    local turn = now + math.max(pause_ms, local_wait)
    if last ~= nil then turn = math.max(turn, last * unit) end
    turn = turn + holders * weight * unit
    compete_until(turn)
    return {0, math.ceil(turn - now), pause_ms}
  end
end

-- A local queue already longer than the wait bound means the budget serves slower than the calendar
-- assumes (other users of the same upstream account, drift): start after it.
local backlog = 0
if local_wait > max_wait then backlog = local_wait end
-- The slot under way counts: an idle budget admits at once, whatever the slot length.
local start = current
if math.max(pause_ms, backlog) > 0 then start = math.ceil((now + math.max(pause_ms, backlog)) / unit) end
if last ~= nil then
  start = math.max(start, last + holders * weight)
end

-- First run of `weight` free slots at or after `start` (bounded: a calendar is never that full).
local index = start
local probes = 0
while probes < 100000 do
  local free = true
  for i = 0, weight - 1 do
    if redis.call('ZSCORE', KEYS[2], tostring(index + i)) then
      free = false
      index = index + i + 1
      break
    end
  end
  if free then break end
  probes = probes + 1
end

for i = 0, weight - 1 do
  redis.call('ZADD', KEYS[2], (index + i) * unit, tostring(index + i))
end
local due_at = math.ceil(index * unit)
local ttl = math.max(1, due_at - now) + grace + 60000
redis.call('ZADD', KEYS[3], index + weight - 1, caller)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (math.floor((now - grace) / unit)))
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('HINCRBY', KEYS[5], caller, 1)
redis.call('PEXPIRE', KEYS[5], ttl)
compete_until(math.ceil((index + weight) * unit))
-- A slot in the first four fifths of the wait bound admits at once; the rest absorbs service jitter
-- (sub-windows, other replicas), so an admitted call rarely runs out of wait before it starts.
if mode == 'admit' and due_at - now <= max_wait * 0.8 then
  -- The place is held until its slot ends.
  redis.call('ZADD', KEYS[6], math.ceil((index + weight) * unit), prefix .. ARGV[2])
  redis.call('PEXPIRE', KEYS[6], ttl)
  return {1, 0, pause_ms}
end
redis.call('ZADD', KEYS[1], due_at, prefix .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
return {0, math.max(0, due_at - now), pause_ms}
