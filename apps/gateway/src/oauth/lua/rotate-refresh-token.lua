--[[
  Rotate a refresh token within its family. The presented token must be the family's current one; it then
  becomes "previous" and the new token current. Presenting a previous token is reuse: the family is deleted,
  so neither the thief's nor the client's copy works any more. Anything else is an unknown token.

  KEYS[1]  the family's hash, e.g. sb:oauth:family:{<family id>}  (fields: record, current, previous, expires_at)
  ARGV[1]  SHA-256 of the presented refresh token
  ARGV[2]  SHA-256 of the refresh token replacing it
  ARGV[3]  when the new token expires, epoch ms (stored for the caller's clock)
  ARGV[4]  key TTL in ms
  ARGV[5]  how many previous tokens to remember
  Returns  0 no such family; 1 rotated; 2 reuse detected (family deleted); 3 not a token of this family
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], 'current')
local previous = redis.call('HGET', KEYS[1], 'previous') or ''
if current == ARGV[1] then
  local kept = {ARGV[1]}
  local limit = tonumber(ARGV[5])
  for hash in string.gmatch(previous, '%S+') do
    if #kept >= limit then break end
    kept[#kept + 1] = hash
  end
  redis.call('HSET', KEYS[1], 'current', ARGV[2], 'previous', table.concat(kept, ' '), 'expires_at', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return 1
end
if string.find(' ' .. previous .. ' ', ' ' .. ARGV[1] .. ' ', 1, true) then
  redis.call('DEL', KEYS[1])
  return 2
end
return 3
