/**
 * `npm run admin -- keys create --name alice --scopes 'gmail_*,drive_*'`
 * A separate program talking to the admin API over HTTP; it reads its two settings from the environment
 * (SWITCHBOARD_ADMIN_URL, SWITCHBOARD_ADMIN_TOKEN), so it needs no gateway config.
 */
import { runAdminCli } from './run-admin-cli.ts';

process.exitCode = await runAdminCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
