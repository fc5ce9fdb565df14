import { createHash } from 'node:crypto';
import { SwitchboardError } from '@switchboard/errors';
import { canonicalJson, DEFAULT_TTL_MS, fingerprintOf, type IdempotencyStore } from '@switchboard/idempotency';

/** What reconciliation found out about an attempt whose outcome was unknown. */
export type Reconciliation<O> =
  | { kind: 'found'; outcome: O }
  /** Not seen upstream. `mayResend`: long enough has passed to conclude it never happened. */
  | { kind: 'missing'; mayResend: boolean; retryAfterS: number; why: string };

export interface IdempotentWrite<O> {
  store: IdempotencyStore;
  tool: string;
  callerKeyId: string;
  /** Supplied by the client; absent → derived from caller, tool and arguments, valid for `derivedWindowMs`. */
  idempotencyKey: string | undefined;
  /** The canonical arguments: same arguments ⇔ same fingerprint. */
  args: unknown;
  derivedWindowMs: number;
  /** How long one attempt may take before it counts as uncertain (covers governor waits and timeouts). */
  leaseMs: number;
  /** Kept with the record for reconciliation; no secrets. */
  attempt: Record<string, unknown>;
  /** Sends the write. Throws OUTCOME_UNKNOWN when it cannot tell whether the upstream carried it out. */
  send(): Promise<O>;
  /** Looks for the outcome of an earlier uncertain attempt. */
  reconcile(uncertain: { since: number; attempt: Record<string, unknown> | null }): Promise<Reconciliation<O>>;
}

export interface IdempotentResult<O> {
  outcome: O;
  idempotencyKey: string;
  /** The outcome of an earlier call, returned again; nothing was sent now. */
  replayed: boolean;
  /** Found upstream after an earlier attempt's outcome was unknown. */
  reconciled: boolean;
}

/**
 * Runs a write at most once per idempotency key (DESIGN.md "Writes that must not happen twice"): the first
 * outcome is stored and replayed; the key with other arguments is refused; an unknown outcome is
 * reconciled with the upstream before anything is sent again.
 */
export async function idempotentWrite<O>(w: IdempotentWrite<O>): Promise<IdempotentResult<O>> {
  const derived = w.idempotencyKey === undefined;
  const idempotencyKey =
    w.idempotencyKey ??
    `auto-${createHash('sha256')
      .update(`${w.callerKeyId}\u0000${w.tool}\u0000${canonicalJson(w.args)}`)
      .digest('base64url')
      .slice(0, 32)}`;
  // Keys are per team key and tool: two keys (or two tools) never share a record.
  const scope = `blotato:${w.tool}:${w.callerKeyId}`;
  let begun: Awaited<ReturnType<IdempotencyStore['begin']>>;
  try {
    begun = await w.store.begin(scope, idempotencyKey, fingerprintOf(w.args), {
      ttlMs: derived ? w.derivedWindowMs : DEFAULT_TTL_MS,
      leaseMs: w.leaseMs,
      attempt: { ...w.attempt, sentAt: Date.now() },
    });
  } catch (error) {
    // Without the record there is no guarantee against a second send, so nothing is sent.
    throw new SwitchboardError(
      'STORE_UNAVAILABLE',
      `The idempotency store is unreachable, so ${w.tool} cannot guarantee it sends only once; nothing was sent. Retry in 5 s.`,
      { retryAfterS: 5, cause: error },
    );
  }

  switch (begun.state) {
    case 'replay':
      return { outcome: begun.outcome as O, idempotencyKey, replayed: true, reconciled: false };
    case 'mismatch':
      throw new SwitchboardError(
        'IDEMPOTENCY_MISMATCH',
        `idempotency_key "${idempotencyKey}" was already used for a ${w.tool} call with different arguments. Use a new key for a new request, or the original arguments to get its result again.`,
        { details: { idempotency_key: idempotencyKey } },
      );
    case 'in-progress': {
      const retryAfterS = Math.max(1, Math.ceil(begun.retryAfterMs / 1000));
      throw new SwitchboardError(
        'IN_PROGRESS',
        `A ${w.tool} call with idempotency_key "${idempotencyKey}" is still running; retry in ${retryAfterS} s to get its result.`,
        { retryAfterS, details: { idempotency_key: idempotencyKey } },
      );
    }
    case 'uncertain': {
      let found: Reconciliation<O>;
      try {
        found = await w.reconcile({ since: begun.uncertainSince, attempt: begun.attempt });
      } catch (error) {
        await w.store.release(begun.claim).catch(() => false);
        throw error;
      }
      if (found.kind === 'found') {
        await w.store.complete(begun.claim, found.outcome).catch(() => false);
        return { outcome: found.outcome, idempotencyKey, replayed: true, reconciled: true };
      }
      if (!found.mayResend) {
        await w.store.release(begun.claim).catch(() => false);
        throw new SwitchboardError('OUTCOME_UNKNOWN', found.why, {
          retryAfterS: found.retryAfterS,
          details: { idempotency_key: idempotencyKey },
        });
      }
      return { ...(await attemptSend(w, begun.claim, idempotencyKey)), reconciled: false };
    }
    case 'new':
      return { ...(await attemptSend(w, begun.claim, idempotencyKey)), reconciled: false };
  }
}

async function attemptSend<O>(
  w: IdempotentWrite<O>,
  claim: Parameters<IdempotencyStore['complete']>[0],
  idempotencyKey: string,
): Promise<{ outcome: O; idempotencyKey: string; replayed: false }> {
  let outcome: O;
  try {
    outcome = await w.send();
  } catch (error) {
    if (error instanceof SwitchboardError && error.code === 'OUTCOME_UNKNOWN') {
      // If this fails too, the claim's lease lapses and the record turns uncertain by itself.
      await w.store.markUncertain(claim, error.message).catch(() => false);
      throw new SwitchboardError(
        'OUTCOME_UNKNOWN',
        `${error.message} Call ${w.tool} again with idempotency_key "${idempotencyKey}" and the same arguments: Switchboard checks Blotato first and sends nothing twice.`,
        { retryAfterS: 10, context: error.context, details: { idempotency_key: idempotencyKey }, cause: error },
      );
    }
    // Refused (invalid, rate limited, not configured…): nothing happened upstream, so the key is free again.
    await w.store.release(claim).catch(() => false);
    throw error;
  }
  // The write happened: its outcome is returned even if it cannot be stored (a retry then reconciles).
  await w.store.complete(claim, outcome).catch(() => false);
  return { outcome, idempotencyKey, replayed: false };
}
