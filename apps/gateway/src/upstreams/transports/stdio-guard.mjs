// Launches one stdio MCP server for the gateway and makes sure it never outlives the gateway.
//
// The gateway starts this guard as the leader of a new process group, with the server's stdin, stdout and
// stderr passed straight through (no copying) and an IPC channel kept open. When the gateway goes, however
// it goes (a clean stop, a crash, SIGKILL), that channel closes, and the guard takes the whole group down:
// the server and anything it started. Peers that spawn servers directly leak them by the thousand when
// they restart. Plain JavaScript on purpose: it must start without a TypeScript loader.
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write('stdio-guard: no command given\n');
  process.exit(2);
}

const server = spawn(command, args, { stdio: 'inherit' });
let stopping = false;

function stopGroup() {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-process.pid, 'SIGTERM');
  } catch {
    // The group is already gone.
  }
  setTimeout(() => {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      // Nothing left to kill.
    }
  }, 2000).unref();
}

// The gateway's side of the IPC channel closes when the gateway exits or dies.
process.on('disconnect', stopGroup);
process.on('SIGTERM', () => {
  stopGroup();
  server.once('exit', () => process.exit(143));
});
server.on('error', (error) => {
  process.stderr.write(`stdio-guard: cannot start ${command}: ${error.message}\n`);
  process.exit(127);
});
server.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128);
  process.disconnect?.();
});
