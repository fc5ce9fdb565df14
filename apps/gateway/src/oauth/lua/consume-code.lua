--[[
  Redeem an authorization code exactly once. The first caller marks it used and links it to the refresh-token
  family it is about to create; every later caller learns it was used and which family to revoke (a replayed
  code means it leaked: OAuth 2.1 §4.1.3).

  KEYS[1]  the code's hash, e.g. sb:oauth:code:{<sha256 of the code>}  (fields: record, used, family)
  ARGV[1]  id of the family the redemption creates
  Returns  {0} no such code; {1, record JSON} redeemed now; {2, family id or ''} redeemed before
]]
local record = redis.call('HGET', KEYS[1], 'record')
if not record then return {0} end
if redis.call('HGET', KEYS[1], 'used') == '1' then
  return {2, redis.call('HGET', KEYS[1], 'family') or ''}
end
redis.call('HSET', KEYS[1], 'used', '1', 'family', ARGV[1])
return {1, record}
