-- Marks a grant broken (Google answered invalid_grant), only if it is still the same link: a reconnect that
-- raced with the failing refresh keeps its fresh grant.
-- KEYS[1]  grant key   <prefix>grant:{<keyId>}
-- ARGV[1]  grant id the failure belongs to
-- ARGV[2]  reason (short text, no secrets)
-- Returns  1 when marked, 0 when the grant is missing or was replaced.
local raw = redis.call('GET', KEYS[1])
if not raw then
  return 0
end
local grant = cjson.decode(raw)
if grant['grantId'] ~= ARGV[1] then
  return 0
end
local now = redis.call('TIME')
grant['status'] = 'broken'
grant['brokenReason'] = ARGV[2]
grant['updatedAtMs'] = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('SET', KEYS[1], cjson.encode(grant))
return 1
