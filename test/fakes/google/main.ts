/**
 * TEST INFRASTRUCTURE, for demos by hand: starts the fake Google on a port and prints the environment that
 * points a Gmail or Drive tool server at it.
 *   node --import @switchboard/ts-runtime/register test/fakes/google/main.ts [port]
 */
import { startFakeGoogle } from './start-fake-google.ts';

const port = Number(process.argv[2] ?? 8190);
const fake = await startFakeGoogle({ port });
const single = fake.issueRefreshToken('alice@example.com', [
  fake.scopes.gmailReadonly,
  fake.scopes.gmailCompose,
  fake.scopes.driveReadonly,
]);
process.stdout.write(
  `FAKE Google (test infrastructure, not Google) on ${fake.url}
Accounts: alice@example.com, bob@example.org

GMAIL_BASE_URL=${fake.url}
DRIVE_BASE_URL=${fake.url}
GOOGLE_TOKEN_URL=${fake.url}/token
GOOGLE_AUTH_URL=${fake.url}/o/oauth2/v2/auth
GOOGLE_CLIENT_ID=${fake.clientId}
GOOGLE_CLIENT_SECRET=${fake.clientSecret}
# single-account mode (alice), optional:
# GOOGLE_REFRESH_TOKEN=${single}
`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void fake.close().then(() => process.exit(0)));
