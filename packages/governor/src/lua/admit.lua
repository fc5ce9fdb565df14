--[[
  Admits a call into a budget's queue, or hands out a ticket: a time to come back.

  Time is cut into slots of `unit` ms (the budget's spacing at its granted rate); a ticket books free slots,
  so deferred callers return at a pace the budget can serve instead of all at once. A caller's next ticket
  comes at least one round after its previous one (round = callers holding tickets), so concurrent callers
  interleave and the slots a caller skips go to others. A caller that returns when its ticket is due is
  admitted ahead of fresh calls; a fresh call is admitted only if the slots already promised leave it room.

  KEYS[1] tickets  ZSET  member = caller .. "\31" .. ticket id, score = due time (ms, Redis clock)
  KEYS[2] slots    ZSET  member = slot index, score = slot time (ms)
  KEYS[3] last     ZSET  member = caller, score = slot index of that caller's latest ticket
  KEYS[4] pause    STRING reason; its PTTL is the remaining pause
  ARGV[1] caller key
  ARGV[2] ticket id (unique per call)
  ARGV[3] local wait estimate, ms (what this replica's own queue adds)
  ARGV[4] unit, ms (budget interval / units granted per interval)
  ARGV[5] weight (slots the call takes)
  ARGV[6] max wait, ms
  ARGV[7] "admit" (admit when the wait fits) or "defer" (always hand out a ticket)
  ARGV[8] grace, ms: how late a ticket may be redeemed
  ARGV[9] early tolerance, ms: how early a ticket may be redeemed
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

local pause_ms = tonumber(redis.call('PTTL', KEYS[4]))
if pause_ms < 0 then pause_ms = 0 end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - grace))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - grace))

if mode == 'admit' then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], now - grace, now + early)
  for _, member in ipairs(due) do
    if string.sub(member, 1, #prefix) == prefix then
      redis.call('ZREM', KEYS[1], member)
      return {1, 1, pause_ms}
    end
  end
  local promised = redis.call('ZCOUNT', KEYS[2], now - early, now + max_wait)
  if math.max(local_wait, pause_ms) + promised * unit <= max_wait then
    return {1, 0, pause_ms}
  end
end

local start = math.ceil((now + math.max(pause_ms, local_wait)) / unit)
local last = tonumber(redis.call('ZSCORE', KEYS[3], caller) or '')
if last ~= nil then
  local current = math.floor(now / unit)
  local holders = redis.call('ZCOUNT', KEYS[3], '(' .. current, '+inf')
  if last <= current then holders = holders + 1 end
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
redis.call('ZADD', KEYS[1], due_at, prefix .. ARGV[2])
redis.call('ZADD', KEYS[3], index + weight - 1, caller)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (math.floor((now - grace) / unit)))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return {0, math.max(0, due_at - now), pause_ms}
