import assert from 'node:assert/strict';

/**
 * Waits until `check` holds, polling every 50 ms, and fails the test after `timeoutMs`. For conditions that
 * have no event to wait on (another process's state, a list refreshed in the background).
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what} not met within ${timeoutMs} ms`);
}
