-- Deletes a team key's grant and leaves a marker so that no later connect callback can recreate it.
-- KEYS[1]  grant key            <prefix>grant:{<keyId>}
-- KEYS[2]  deleted-key marker   <prefix>deleted:{<keyId>}
-- Returns  1 when a grant existed, 0 otherwise.
local now = redis.call('TIME')
redis.call('SET', KEYS[2], now[1])
return redis.call('DEL', KEYS[1])
