import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createAuditLog } from '../audit/create-audit-log.ts';
import { assembleApiKeyToken, generateApiKeyToken } from '../keys/api-key-token.ts';
import { BASE62_ALPHABET, randomBase62 } from '../keys/base62.ts';
import { createKeyStore } from '../keys/create-key-store.ts';
import { KeyAuthenticator } from '../keys/key-authenticator.ts';
import { MemoryKeyEvents } from '../keys/key-events.ts';
import { KeyService } from '../keys/key-service.ts';
import { adminTokenVerifier } from './admin-auth.ts';

/**
 * A wrong credential must take as long to refuse when it shares most of its characters with a valid one
 * ("near miss") as when it shares none ("far miss"); otherwise an attacker recovers a secret character by
 * character. Samples of both kinds are interleaved (so drift and GC hit both alike), each candidate is
 * fresh (no cache hit), and trimmed means are compared with a generous tolerance. The same harness must
 * flag an early-exit comparison, which shows it can fail.
 */
const SAMPLES = 1500;
const BATCH = 4;
const TOLERANCE = 0.35;

type Check = (candidate: string) => unknown;

async function relativeGap(
  check: Check,
  nearInput: string[],
  farInput: string[],
): Promise<{ gap: number; nearNs: number; farNs: number }> {
  // Flat strings, as a header value is: strings built by concatenation are V8 ropes of different depths,
  // and flattening them inside the check would show up as a (secret-independent) difference.
  const near = nearInput.map(flat);
  const far = farInput.map(flat);
  const needed = (SAMPLES + 50) * BATCH;
  assert.ok(near.length >= needed && far.length >= needed, 'every sample needs its own candidates');
  const times = { near: [] as number[], far: [] as number[] };
  const run = async (candidates: string[], offset: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) {
      try {
        await check(candidates[offset + i]!);
      } catch {
        // a refusal is the expected outcome
      }
    }
    return Number(process.hrtime.bigint() - started);
  };
  // Warm up both paths (JIT) before measuring.
  for (let w = 0; w < 50; w++) {
    await run(near, (SAMPLES + w) * BATCH);
    await run(far, (SAMPLES + w) * BATCH);
  }
  for (let s = 0; s < SAMPLES; s++) {
    const offset = s * BATCH;
    if (s % 2 === 0) {
      times.near.push(await run(near, offset));
      times.far.push(await run(far, offset));
    } else {
      times.far.push(await run(far, offset));
      times.near.push(await run(near, offset));
    }
  }
  const nearNs = trimmedMean(times.near);
  const farNs = trimmedMean(times.far);
  return { gap: Math.abs(nearNs - farNs) / Math.min(nearNs, farNs), nearNs, farNs };
}

function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function trimmedMean(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * 0.1);
  const kept = sorted.slice(cut, sorted.length - cut);
  return kept.reduce((sum, v) => sum + v, 0) / kept.length;
}

/** `count` distinct strings equal to `secret` except in its last three characters. */
function nearMisses(secret: string, count: number): string[] {
  const out: string[] = [];
  const stem = secret.slice(0, -3);
  for (const a of BASE62_ALPHABET) {
    for (const b of BASE62_ALPHABET) {
      for (const c of BASE62_ALPHABET) {
        const candidate = stem + a + b + c;
        if (candidate !== secret) out.push(candidate);
        if (out.length === count) return out;
      }
    }
  }
  throw new Error(`only ${out.length} near misses of a ${secret.length}-character secret`);
}

/** Well-formed tokens (valid checksum) whose secret differs from `token`'s only in its last three characters. */
function nearMissTokens(token: string, count: number): string[] {
  return nearMisses(token.slice(3, 36), count).map(assembleApiKeyToken);
}

/** An early-exit comparison with a per-character cost: what the harness must catch. */
function leakyEquals(secret: string): Check {
  return (candidate) => {
    for (let i = 0; i < secret.length; i++) {
      if (candidate[i] !== secret[i]) return false;
      createHash('sha256').update(candidate[i]!).digest();
    }
    return true;
  };
}

const COUNT = (SAMPLES + 50) * BATCH;

describe('credential checks take the same time for near and far misses', () => {
  test('the harness detects an early-exit comparison (it can fail)', async () => {
    const secret = randomBase62(33);
    const near = nearMisses(secret, COUNT);
    const far = Array.from({ length: COUNT }, () => randomBase62(33));
    const { gap, nearNs, farNs } = await relativeGap(leakyEquals(secret), near, far);
    assert.ok(gap > TOLERANCE * 3, `leaky check not detected: near ${nearNs} ns, far ${farNs} ns`);
  });

  test('API keys: refusing a near miss takes as long as refusing a far miss', async () => {
    const store = createKeyStore();
    const events = new MemoryKeyEvents();
    const audit = createAuditLog({ maxEntries: 100 });
    const service = new KeyService({ store, events, audit });
    const auth = new KeyAuthenticator({ store, events, audit, maxCacheEntries: 100 });
    const { token } = await service.create({ name: 'target', scopes: [] }, { id: 'admin-token' });
    const near = nearMissTokens(token, COUNT);
    const far = Array.from({ length: COUNT }, () => generateApiKeyToken().token);
    const { gap, nearNs, farNs } = await relativeGap((c) => auth.authenticate(c, '10.0.0.1'), near, far);
    await auth.close();
    assert.ok(gap < TOLERANCE, `near ${Math.round(nearNs)} ns vs far ${Math.round(farNs)} ns (gap ${gap.toFixed(2)})`);
  });

  test('admin token: refusing a near miss takes as long as refusing a far miss', async () => {
    const adminToken = randomBase62(40);
    const verify = adminTokenVerifier(adminToken);
    const near = nearMisses(adminToken, COUNT);
    const far = Array.from({ length: COUNT }, () => randomBase62(40));
    const { gap, nearNs, farNs } = await relativeGap(verify, near, far);
    assert.ok(gap < TOLERANCE, `near ${Math.round(nearNs)} ns vs far ${Math.round(farNs)} ns (gap ${gap.toFixed(2)})`);
  });
});
