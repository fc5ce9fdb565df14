import type { Redis } from 'ioredis';

/**
 * Closes a client that may have lost Redis: QUIT when connected (pending replies still arrive), otherwise a
 * plain disconnect, since QUIT would wait for a connection that may never come back.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => redis.disconnect());
}
