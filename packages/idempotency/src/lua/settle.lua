--[[
  Ends a claim on an idempotency record.

  KEYS[1] record HASH (see begin.lua)
  ARGV[1] claim token
  ARGV[2] action: "complete" | "uncertain" | "release"
  ARGV[3] outcome JSON (complete) or note (uncertain)
  ARGV[4] record TTL, ms (complete)
  complete:  stores the outcome to replay; also accepted from the owner whose lease lapsed meanwhile (it
             knows the outcome for sure, the reconciler only guesses)
  uncertain: the outcome is unknown; the next begin reconciles before anything is resent
  release:   the attempt had no effect upstream; a pending record is forgotten, an uncertain one stays uncertain
  Returns 1 when applied, 0 when the token no longer owns the record (or it is gone or completed).
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local key = KEYS[1]
local r = redis.call('HMGET', key, 'state', 'token', 'prev_token', 'uncertain_since')
local state = r[1]
if not state or state == 'completed' then
  return 0
end
local action = ARGV[2]
local owner = r[2] == ARGV[1]
if action == 'complete' and (owner or r[3] == ARGV[1]) then
  redis.call('HSET', key, 'state', 'completed', 'outcome', ARGV[3], 'completed_at', now, 'lease_until', 0)
  redis.call('PEXPIRE', key, tonumber(ARGV[4]))
  return 1
end
if not owner then
  return 0
end
if action == 'uncertain' then
  redis.call('HSET', key, 'state', 'uncertain', 'uncertain_since', r[4] or now, 'note', ARGV[3], 'lease_until', 0)
  return 1
end
if action == 'release' then
  if state == 'pending' then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, 'lease_until', 0)
  end
  return 1
end
return 0
