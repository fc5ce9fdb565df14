--[[
  consume.lua — admit or refuse one request against every rate-limit layer of one subject, atomically.

  GCRA per layer (twin of src/gcra.ts; keep them alike). A layer's state is its theoretical arrival time
  (TAT, integer microseconds). A request of cost c is admitted when, on every layer,
  max(TAT, now) + c*interval - burst*interval <= now; then every TAT moves to max(TAT, now) + c*interval.
  If any layer refuses, no TAT changes. Each TAT key expires when its layer is fully rested (PX horizon).
  Usage: HINCRBY <tag>:ok or <tag>:refused on the hour bucket, kept ARGV[3] seconds.

  KEYS[1..n]   one string per layer: TAT in µs   ({subject} hash tag: one Cluster slot per call)
  KEYS[n+1]    usage hash of the current hour      (present only when ARGV[2] ~= '')

  ARGV[1]      n, the number of layers
  ARGV[2]      usage tag, '' = not counted
  ARGV[3]      usage bucket retention, seconds
  ARGV[4]      now in µs; '' = read Redis TIME (production). Only tests pass a value (injected clock).
  ARGV[5]      extra TTL for TAT keys, ms (0 in production; tests with an injected clock, whose fake time
               Redis' real-time expiry cannot follow, pass a margin)
  ARGV[6+3(i-1)], ARGV[7+3(i-1)], ARGV[8+3(i-1)]   layer i: interval µs, cost, burst

  Returns: { allowed (1|0), wait µs (longest among refusing layers), refused layer (1-based, 0 = none),
             remaining_1, reset_µs_1, ..., remaining_n, reset_µs_n }
]]

local n = tonumber(ARGV[1])
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local allowed = true
local wait = 0
local refused = 0
local current = {}
local next_tat = {}
local clamped = {}
for i = 1, n do
  local base = 6 + (i - 1) * 3
  local interval = tonumber(ARGV[base])
  local cost = tonumber(ARGV[base + 1])
  local burst = tonumber(ARGV[base + 2])
  local tat = tonumber(redis.call('GET', KEYS[i]) or 0)
  if tat < now then tat = now end
  -- A TAT later than a full burst ahead was left by an earlier, stricter policy of this layer: the policy in
  -- force never produces one, so a loosened limit applies at once (as if its burst were just spent). The
  -- clamped TAT is stored even when refused, so it then ages like any other.
  if tat > now + burst * interval then
    tat = now + burst * interval
    clamped[i] = true
  end
  local new_tat = tat + cost * interval
  local allow_at = new_tat - burst * interval
  if allow_at > now then
    allowed = false
    if allow_at - now > wait then
      wait = allow_at - now
      refused = i
    end
  end
  current[i] = tat
  next_tat[i] = new_tat
end

local tats = current
local slack = tonumber(ARGV[5])
if not allowed then
  for i = 1, n do
    if clamped[i] then
      redis.call('SET', KEYS[i], string.format('%.0f', current[i]), 'PX', math.ceil((current[i] - now) / 1000) + slack)
    end
  end
end
if allowed then
  tats = next_tat
  for i = 1, n do
    -- %.0f: Lua's default number formatting keeps only 14 digits, too few for microseconds since 1970.
    local ttl_ms = math.ceil((next_tat[i] - now) / 1000) + slack
    redis.call('SET', KEYS[i], string.format('%.0f', next_tat[i]), 'PX', ttl_ms)
  end
end

if ARGV[2] ~= '' then
  local usage = KEYS[n + 1]
  redis.call('HINCRBY', usage, ARGV[2] .. (allowed and ':ok' or ':refused'), 1)
  redis.call('EXPIRE', usage, ARGV[3])
end

local result = { allowed and 1 or 0, wait, refused }
for i = 1, n do
  local base = 6 + (i - 1) * 3
  local interval = tonumber(ARGV[base])
  local burst = tonumber(ARGV[base + 2])
  local units = math.floor((now + burst * interval - tats[i]) / interval)
  if units < 0 then units = 0 end
  if units > burst then units = burst end
  result[#result + 1] = units
  result[#result + 1] = tats[i] - now
end
return result
