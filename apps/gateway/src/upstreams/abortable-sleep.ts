/** Resolves after `ms`, or at once when `signal` aborts (a reconnect loop must not outlive its owner). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // The listener goes with the sleep: a reconnect loop sleeps on one long-lived signal, and each sleep that
    // ran its course used to leave its listener behind (Node warned after 11, memory grew with every retry).
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
