import type { Redis } from 'ioredis';

/** Tests only: every key under `prefix` on the shared Redis. */
export async function findKeys(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Tests only: deletes one test's keys from the shared Redis (tests never FLUSHALL it). */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  const keys = await findKeys(client, prefix);
  if (keys.length > 0) await client.del(...keys);
}
