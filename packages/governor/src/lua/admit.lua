--[[
  Admits a call into a budget's queue, or hands out a ticket: a time to come back.

  Tickets are spread over the future at the budget's rate (one slot each), so deferred callers return at a
  pace the budget can serve instead of all at once; a caller holding several tickets gets them at least
  one round apart (round = slot × callers holding tickets), so one burst cannot take every future slot.
  A caller that returns when its ticket is due is admitted ahead of fresh calls.

  KEYS[1] tickets  ZSET  member = caller .. "\31" .. ticket id, score = due time (ms, Redis clock)
  KEYS[2] last     ZSET  member = caller, score = due time of that caller's latest ticket
  KEYS[3] horizon  STRING next free slot (ms)
  KEYS[4] pause    STRING reason; its PTTL is the remaining pause
  ARGV[1] caller key
  ARGV[2] ticket id (unique per call)
  ARGV[3] local wait estimate, ms (what this replica's queue adds)
  ARGV[4] slot, ms (budget interval / units per interval × weight)
  ARGV[5] max wait, ms
  ARGV[6] "admit" (admit when the wait fits) or "defer" (always hand out a ticket)
  ARGV[7] grace, ms: how late a ticket may be redeemed
  ARGV[8] early tolerance, ms: how early a ticket may be redeemed
  Returns {1, ticketed (0|1), pause ms} when admitted, {0, retry after ms, pause ms} otherwise.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local caller = ARGV[1]
local local_wait = tonumber(ARGV[3])
local slot = tonumber(ARGV[4])
local max_wait = tonumber(ARGV[5])
local mode = ARGV[6]
local grace = tonumber(ARGV[7])
local early = tonumber(ARGV[8])
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
  local promised = redis.call('ZCOUNT', KEYS[1], now - early, now + max_wait)
  local wait = math.max(local_wait, pause_ms) + promised * slot
  if wait <= max_wait then
    return {1, 0, pause_ms}
  end
end

local earliest = now + math.max(pause_ms, local_wait)
local horizon = tonumber(redis.call('GET', KEYS[3]) or '0')
local base = math.max(earliest, horizon)
local due_at = base
local last = tonumber(redis.call('ZSCORE', KEYS[2], caller) or '')
if last ~= nil then
  local holders = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
  if last <= now then holders = holders + 1 end
  due_at = math.max(due_at, last + holders * slot)
end
due_at = math.ceil(due_at)
local ttl = (due_at - now) + grace + 60000
if due_at == math.ceil(base) then
  redis.call('SET', KEYS[3], math.ceil(base + slot), 'PX', ttl)
end
redis.call('ZADD', KEYS[1], due_at, prefix .. ARGV[2])
redis.call('ZADD', KEYS[2], due_at, caller)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return {0, due_at - now, pause_ms}
