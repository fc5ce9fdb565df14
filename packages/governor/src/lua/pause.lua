--[[
  Pauses a budget for every replica (the upstream answered 429) and tells the others at once.
  A shorter pause never shortens a longer one already in force.

  KEYS[1] pause   STRING reason, expiring when the pause ends
  ARGV[1] pause length, ms
  ARGV[2] reason (one line, no secrets)
  ARGV[3] pub/sub channel
  ARGV[4] budget key (sent on the channel)
  Returns {pause ms in force, 1 if this call set it}.
]]
local ms = tonumber(ARGV[1])
local current = tonumber(redis.call('PTTL', KEYS[1]))
if current >= ms then
  return {current, 0}
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ms)
redis.call('PUBLISH', ARGV[3], cjson.encode({ budget = ARGV[4], ms = ms, reason = ARGV[2] }))
return {ms, 1}
