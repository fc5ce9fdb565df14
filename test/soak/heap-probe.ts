/**
 * Does a Google tool server keep memory per call? RSS cannot say (V8 keeps the heap it grew for a burst, so the
 * soak's RSS timeline is a sawtooth over a rising floor); the heap after a full collection can. This runs
 * mcp-gmail or mcp-drive in this process against the fake Google on a private Redis, calls the tool the soak's
 * bulk load calls, in rounds, and prints the heap after two forced collections after each round. The fake's
 * request log (test infrastructure in the same heap) is emptied every round so it is not counted.
 *
 * `--promotions true` also samples, from the second round on, what outlived young-generation GC under the
 * tool server's and the SDK's frames (test/support/promotion-sampler.ts), per call.
 *
 *   node --expose-gc --import @switchboard/ts-runtime/register test/soak/heap-probe.ts gmail|drive [--rounds 8] [--calls 4000] [--promotions true]
 */
import { startRedisServer } from '@switchboard/testing';
import { startFakeGoogle } from '../fakes/google/index.ts';
import { mcpCaller } from '../fakes/google/mcp-caller.ts';
import { samplePromotions } from '../support/promotion-sampler.ts';

const server = process.argv[2];
if (server !== 'gmail' && server !== 'drive') {
  console.error('usage: heap-probe.ts gmail|drive [--rounds N] [--calls N]');
  process.exit(2);
}
const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const rounds = flag('rounds', 8);
const callsPerRound = flag('calls', 4000);
const promotionsAt = process.argv.indexOf('--promotions');
const promotions = promotionsAt !== -1 && process.argv[promotionsAt + 1] === 'true';
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const redis = await startRedisServer();
const google = await startFakeGoogle();
const refresh = google.issueRefreshToken(google.accounts.alice.email, [
  google.scopes.gmailReadonly,
  google.scopes.driveReadonly,
]);
const secret = 'heap-probe-assertion-secret-0123456789';
const upper = server.toUpperCase();
// As the soak configures them: one team-wide Google account, quotas far above the load, budgets in Redis.
Object.assign(process.env, {
  REDIS_URL: redis.url,
  CALLER_ASSERTION_SECRET: secret,
  LOG_LEVEL: 'silent',
  NODE_ENV: 'production',
  GATEWAY_PUBLIC_URL: 'http://localhost:8080',
  GOOGLE_TOKEN_URL: `${google.url}/token`,
  GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
  GOOGLE_CLIENT_ID: google.clientId,
  GOOGLE_CLIENT_SECRET: google.clientSecret,
  GOOGLE_REFRESH_TOKEN: refresh,
  [`${upper}_BASE_URL`]: google.url,
  [`${upper}_USER_QUOTA_PER_MIN`]: '100000000',
});
// Imported once the environment is set: the servers read their configuration from it.
const gmail = await import('@switchboard/mcp-gmail');
const drive = await import('@switchboard/mcp-drive');
const app =
  server === 'gmail'
    ? gmail.buildGmailServer(gmail.loadGmailConfig())
    : drive.buildDriveServer(drive.loadDriveConfig());
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const [tool, args] = server === 'gmail' ? ['list_labels', {}] : ['search_files', { query: 'report' }];
const keys = Array.from({ length: 8 }, (_, i) => `key_heapprobe${i}`);
const heapMiB = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/** The tool server's name, narrowed above (a function body does not keep the narrowing). */
const audience: string = server;
let calls = 0;
async function runRound(round: number) {
  // A caller per round: its assertions are signed once per key and expire.
  const caller = mcpCaller({ url, audience, secret });
  const perWorker = Math.ceil(callsPerRound / 16);
  await Promise.all(
    Array.from({ length: 16 }, async (_, worker) => {
      for (let i = 0; i < perWorker; i++) {
        const result = await caller.call(keys[(worker + i) % keys.length]!, tool, args);
        if (result.isError) throw new Error(JSON.stringify(result).slice(0, 300));
        calls++;
      }
    }),
  );
  await caller.close();
  google.requests.length = 0;
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(`round ${round}: ${calls} calls, heap after GC ${heapMiB().toFixed(1)} MiB, RSS ${rss.toFixed(0)} MiB`);
}
await runRound(1);
const callsBeforeSampling = calls;
const later = async () => {
  for (let round = 2; round <= rounds; round++) await runRound(round);
};
if (!promotions) await later();
else {
  const sampled = await samplePromotions(
    later,
    /modelcontextprotocol\/(server|core)|packages\/tool-server|apps\/mcp-|packages\/google-auth/,
    /mcp-caller|test\/fakes/,
  );
  const measured = calls - callsBeforeSampling;
  console.log(
    `promoted under tool-server and SDK frames: ${(sampled.ours / 2 ** 20).toFixed(1)} MiB over ${measured} calls, ${(sampled.ours / measured / 1024).toFixed(1)} KiB per call`,
  );
  for (const [frame, bytes] of sampled.byFrame.slice(0, 10))
    console.log(`${(bytes / 1024).toFixed(0).padStart(8)} KiB  ${frame}`);
}
await app.close();
await google.close();
await redis.stop();
