-- Stores a Google grant unless its team key was deleted (a connect flow that finishes after the key was
-- revoked must not bring the grant back).
-- KEYS[1]  grant key            <prefix>grant:{<keyId>}
-- KEYS[2]  deleted-key marker   <prefix>deleted:{<keyId>}
-- ARGV[1]  grant record (JSON)
-- Returns  1 when stored, 0 when the key is deleted.
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
