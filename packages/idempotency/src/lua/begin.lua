--[[
  Starts (or finds) the attempt behind an idempotency key, atomically.

  KEYS[1] record HASH: fp, state (pending|completed|uncertain), token, prev_token, lease_until, started_at,
          attempt (JSON), outcome (JSON), completed_at, uncertain_since, note
  ARGV[1] fingerprint of the canonical arguments
  ARGV[2] new claim token
  ARGV[3] lease, ms (how long the claimant may take before its outcome counts as unknown)
  ARGV[4] record TTL, ms
  ARGV[5] attempt context (JSON, what reconciliation needs later)
  Returns one of
    {"new", token}
    {"mismatch"}
    {"replay", outcome, completed_at}
    {"in-progress", ms until the current claim lapses}
    {"uncertain", token, uncertain_since, attempt, note}   (the caller now holds the reconciliation claim)
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local key = KEYS[1]
local lease = tonumber(ARGV[3])

if redis.call('EXISTS', key) == 0 then
  redis.call('HSET', key, 'fp', ARGV[1], 'state', 'pending', 'token', ARGV[2], 'lease_until', now + lease,
    'started_at', now, 'attempt', ARGV[5])
  redis.call('PEXPIRE', key, tonumber(ARGV[4]))
  return {'new', ARGV[2]}
end

local r = redis.call('HMGET', key, 'fp', 'state', 'lease_until', 'outcome', 'completed_at', 'uncertain_since',
  'attempt', 'note', 'token')
if r[1] ~= ARGV[1] then
  return {'mismatch'}
end
local state = r[2]
local lease_until = tonumber(r[3] or '0') or 0
if state == 'completed' then
  return {'replay', r[4], r[5]}
end
if lease_until > now then
  return {'in-progress', lease_until - now}
end
-- A pending attempt whose lease lapsed: its owner vanished mid-write, so nobody knows what happened upstream.
local since = r[6] or tostring(now)
if state == 'pending' then
  since = tostring(lease_until)
end
redis.call('HSET', key, 'state', 'uncertain', 'uncertain_since', since, 'prev_token', r[9], 'token', ARGV[2],
  'lease_until', now + lease)
return {'uncertain', ARGV[2], since, r[7] or '', r[8] or ''}
