import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryRateLimiter } from './memory-rate-limiter.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import type { LayerState } from './rate-limiter.ts';

const state = (id: string, limit: number, windowS: number, remaining: number, resetS: number): LayerState => ({
  id,
  limit,
  windowS,
  remaining,
  resetS,
});

describe('RateLimit headers (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('renders one String item per layer, the least remaining quota first', () => {
    const headers = rateLimitHeaders({
      allowed: true,
      retryAfterS: 0,
      layers: [state('key', 100, 60, 42, 18), state('upstream:gmail', 50, 60, 42, 30), state('tool:x', 10, 60, 3, 5)],
    });
    assert.deepEqual(headers, {
      'RateLimit-Policy': '"tool:x";q=10;w=60, "upstream:gmail";q=50;w=60, "key";q=100;w=60',
      RateLimit: '"tool:x";r=3;t=5, "upstream:gmail";r=42;t=30, "key";r=42;t=18',
    });
  });

  it('puts the refusing layer first even when another layer is as empty', () => {
    const key = state('key', 100, 60, 0, 60);
    const headers = rateLimitHeaders({
      allowed: false,
      retryAfterS: 6,
      layers: [state('tool:x', 10, 60, 0, 50), key],
      refusedBy: key,
      reason: 'limit',
    });
    assert.equal(headers.RateLimit, '"key";r=0;t=60, "tool:x";r=0;t=50');
  });

  it('escapes quotes and backslashes in policy names as Structured Field Strings require', () => {
    const headers = rateLimitHeaders({ allowed: true, retryAfterS: 0, layers: [state('tool:a"b\\c', 1, 1, 0, 1)] });
    assert.equal(headers['RateLimit-Policy'], '"tool:a\\"b\\\\c";q=1;w=1');
  });

  it('sends no fields when no layer applies (both must be non-empty Lists)', () => {
    assert.deepEqual(rateLimitHeaders({ allowed: true, retryAfterS: 0, layers: [] }), {});
  });

  it('reflects a real decision', async () => {
    const limiter = createMemoryRateLimiter({ now: () => 1_000_000 });
    const decision = await limiter.consume({
      subject: 'key_a',
      layers: [
        { id: 'key', policy: { limit: 100, windowS: 60 } },
        { id: 'tool:blotato_publish_*', policy: { limit: 10, windowS: 3600 }, cost: 2 },
      ],
    });
    assert.deepEqual(rateLimitHeaders(decision), {
      'RateLimit-Policy': '"tool:blotato_publish_*";q=10;w=3600, "key";q=100;w=60',
      RateLimit: '"tool:blotato_publish_*";r=8;t=720, "key";r=99;t=1',
    });
  });
});
