--[[
  Record when and from where a key was last used. Replicas flush these marks every few seconds in any
  order; only a newer mark wins, and a key that no longer exists is not recreated.

  KEYS[1]  the key's record hash, e.g. sb:key:{key_…}
  ARGV[1]  time of use, epoch ms
  ARGV[2]  client IP
  Returns  1 if the mark was stored, 0 if it was older than the stored one or the key does not exist
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local previous = tonumber(redis.call('HGET', KEYS[1], 'last_used_at') or '0')
if tonumber(ARGV[1]) <= previous then return 0 end
redis.call('HSET', KEYS[1], 'last_used_at', ARGV[1], 'last_used_ip', ARGV[2])
return 1
