export { createRedis } from './create-redis.ts';
