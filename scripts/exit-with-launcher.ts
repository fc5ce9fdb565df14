/**
 * Preloaded (`--import`) into each service `scripts/start.ts` launches. The launcher holds the write end of
 * this process's stdin pipe and never writes to it; the pipe ends when the launcher dies, however it dies
 * (SIGKILL included), and the service then stops itself the way a SIGTERM would have stopped it.
 */
let signalled = false;
// A service already draining after a signal must not get a second SIGTERM: its own handler ran once
// (`process.once`), so a second one would kill it mid-drain.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (signalled = true));

const launcherGone = () => {
  if (!signalled) process.kill(process.pid, 'SIGTERM');
};
const stdin = process.stdin;
stdin.on('end', launcherGone);
stdin.on('error', launcherGone);
stdin.resume();
// Watching must not keep a service alive that is otherwise done (after its own graceful close).
if ('unref' in stdin && typeof stdin.unref === 'function') stdin.unref();
