--[[
  Write a key record if nobody changed it since it was read (compare-and-set on a version counter), so two
  admins editing the same key at once cannot silently overwrite each other.

  KEYS[1]  the key's record hash, e.g. sb:key:{key_…}
  ARGV[1]  expected version: "0" when creating (the hash must not exist), else the version that was read
  ARGV[2]  record JSON
  Returns  the new version (integer), or -1 if the stored version differs from ARGV[1]
]]
local current = redis.call('HGET', KEYS[1], 'version')
if not current then current = '0' end
if current ~= ARGV[1] then return -1 end
local next_version = tonumber(current) + 1
redis.call('HSET', KEYS[1], 'record', ARGV[2], 'version', next_version)
return next_version
