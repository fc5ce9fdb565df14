export { eventually } from './eventually.ts';
export { freePort, onFreshPortsWhenTaken } from './free-port.ts';
export { SHARED_REDIS_URL, startRedisServer, type TestRedisServer, uniquePrefix } from './redis-server.ts';
export { withLastCharacterChanged } from './tampered-token.ts';
