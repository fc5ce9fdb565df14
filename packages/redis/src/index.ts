export { closeRedis } from './close-redis.ts';
export { createRedis } from './create-redis.ts';
export { keepSubscribed } from './keep-subscribed.ts';
