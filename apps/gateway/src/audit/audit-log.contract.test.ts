import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../clock.ts';
import { type RedisTestFixture, redisTestFixture } from '../keys/test-fixtures.ts';
import type { AuditLog } from './audit-log.ts';
import { createAuditLog } from './create-audit-log.ts';

function auditLogContract(
  name: string,
  setup: (maxEntries: number) => Promise<{ log: AuditLog; close(): Promise<void> }>,
) {
  describe(`AuditLog contract: ${name}`, () => {
    let log: AuditLog;
    let close: () => Promise<void>;
    before(async () => {
      ({ log, close } = await setup(50));
    });
    after(() => close());

    test('records entries and reads them newest first, page by page', async () => {
      for (let i = 0; i < 7; i++) {
        await log.record({
          actor: 'admin-token',
          action: 'key.create',
          target: `key_${i}`,
          ip: '127.0.0.1',
          outcome: 'success',
        });
      }
      const targets: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await log.list({ cursor, limit: 3 });
        targets.push(...page.items.map((e) => e.target ?? ''));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor !== undefined);
      assert.deepEqual(targets, ['key_6', 'key_5', 'key_4', 'key_3', 'key_2', 'key_1', 'key_0']);
      assert.equal(pages, 3);
    });

    test('an entry keeps who, what, when, where, outcome and details', async () => {
      await log.record({
        actor: 'key_admin1',
        action: 'key.rotate',
        target: 'key_x',
        ip: '10.1.2.3',
        outcome: 'failure',
        reason: 'CONFLICT',
        details: { grace_period_s: 0, scopes: ['gmail_*'], previous_prefix: null, ok: false },
      });
      const [entry] = (await log.list({ limit: 1 })).items;
      assert.ok(entry !== undefined);
      assert.equal(typeof entry.id, 'string');
      assert.equal(entry.at, Date.UTC(2026, 0, 1));
      assert.deepEqual(
        { ...entry, id: undefined, at: undefined },
        {
          id: undefined,
          at: undefined,
          actor: 'key_admin1',
          action: 'key.rotate',
          target: 'key_x',
          ip: '10.1.2.3',
          outcome: 'failure',
          reason: 'CONFLICT',
          details: { grace_period_s: 0, scopes: ['gmail_*'], previous_prefix: null, ok: false },
        },
      );
    });

    test('a token that slips into a field is redacted before it is stored', async () => {
      const token = `sb_${'A'.repeat(39)}`;
      await log.record({
        actor: 'admin-token',
        action: 'key.update',
        outcome: 'success',
        details: { name: `oops ${token}` },
      });
      const [entry] = (await log.list({ limit: 1 })).items;
      assert.equal(JSON.stringify(entry).includes(token), false);
      assert.equal(entry?.details?.['name'], 'oops sb_[redacted]');
    });

    test('keeps a bounded number of entries', async () => {
      for (let i = 0; i < 400; i++) await log.record({ actor: 'anonymous', action: 'auth.failed', outcome: 'denied' });
      const page = await log.list({ limit: 1000 });
      assert.ok(page.items.length < 400, `kept ${page.items.length}`);
      assert.ok(page.items.length >= 50);
    });
  });
}

auditLogContract('memory', async (maxEntries) => ({
  log: createAuditLog({ maxEntries, clock: new ManualClock() }),
  close: async () => {},
}));

let fixture: RedisTestFixture;
auditLogContract('redis', async (maxEntries) => {
  fixture = await redisTestFixture('audit');
  return {
    log: createAuditLog({ redis: fixture.redis, prefix: fixture.prefix, maxEntries, clock: new ManualClock() }),
    close: () => fixture.close(),
  };
});
