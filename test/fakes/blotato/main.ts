/**
 * TEST INFRASTRUCTURE — runs the fake Blotato API by hand, for demos and local runs of the Blotato tool
 * server without a real account:
 *
 *   node --import @switchboard/ts-runtime/register test/fakes/blotato/main.ts [--port 8199] [--window-ms 60000]
 *
 * then start the tool server with BLOTATO_BASE_URL=http://127.0.0.1:8199 and the printed key.
 */
import { parseArgs } from 'node:util';
import { startFakeBlotato } from './fake-blotato.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8199' }, 'window-ms': { type: 'string', default: '60000' } },
});
const fake = await startFakeBlotato({ port: Number(values.port), windowMs: Number(values['window-ms']) });
console.log(`FAKE Blotato API (test infrastructure) on ${fake.url}`);
console.log(`  BLOTATO_BASE_URL=${fake.url}`);
console.log(`  BLOTATO_API_KEY=${fake.apiKey}`);
const stop = () => void fake.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
