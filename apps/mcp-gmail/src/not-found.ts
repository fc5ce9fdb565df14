import { isSwitchboardError, SwitchboardError } from '@switchboard/errors';

/** Gmail's 404 as a sentence about the item the caller asked for. */
export async function orNotFound<T>(pending: Promise<T>, what: string): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (isSwitchboardError(error) && error.code === 'NOT_FOUND') {
      throw new SwitchboardError(
        'NOT_FOUND',
        `${what} is not in this mailbox (deleted, or an id from another account); search again for a current id.`,
        error.context === undefined ? {} : { context: error.context },
      );
    }
    throw error;
  }
}
