import { isSwitchboardError, SwitchboardError } from '@switchboard/errors';

/**
 * Runs one Redis interaction; a failure (connection lost, command timeout) becomes STORE_UNAVAILABLE, which
 * callers answer with 503 + Retry-After instead of a 500 or, worse, a misleading "unauthenticated".
 */
export async function storeIo<T>(what: string, io: () => Promise<T>): Promise<T> {
  try {
    return await io();
  } catch (error) {
    if (isSwitchboardError(error)) throw error;
    throw new SwitchboardError('STORE_UNAVAILABLE', `The ${what} is unavailable; retry in a moment.`, {
      retryAfterS: 1,
      cause: error,
    });
  }
}

/**
 * One store read per id at a time, however many requests ask for it at once (a burst with the same token
 * costs one round trip); failures as in `storeIo`.
 */
export function sharedRead<T>(inFlight: Map<string, Promise<T>>, id: string, read: () => Promise<T>): Promise<T> {
  let pending = inFlight.get(id);
  if (pending === undefined) {
    pending = storeIo('key store', read).finally(() => inFlight.delete(id));
    inFlight.set(id, pending);
  }
  return pending;
}
