import { SwitchboardError } from '@switchboard/errors';
import { errors as undiciErrors } from 'undici';
import { isObject } from './json-rpc.ts';

/** An upstream's refusal of our credentials, naming what the operator fixes. */
export function upstreamAuthError(upstream: string, status: number, hint: string): SwitchboardError {
  return new SwitchboardError(
    'UPSTREAM_AUTH',
    `The ${upstream} server refused the gateway's credentials (HTTP ${status}); check ${hint}.`,
    { context: { upstream, upstreamStatus: status } },
  );
}

export function upstreamHttpError(upstream: string, status: number, text: string): SwitchboardError {
  const detail = text.length > 0 && text.length < 300 ? `: ${text.replace(/\s+/g, ' ').trim()}` : '';
  return new SwitchboardError('UPSTREAM_ERROR', `The ${upstream} server answered HTTP ${status}${detail}.`, {
    retryAfterS: 5,
    context: { upstream, upstreamStatus: status },
  });
}

/** A failure to reach the upstream or to hear from it in time, as the catalogue describes it. */
export function upstreamTransportError(upstream: string, error: unknown, retryAfterS: number): SwitchboardError {
  if (error instanceof SwitchboardError) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new SwitchboardError('UPSTREAM_TIMEOUT', `The ${upstream} server did not answer in time.`, {
      retryAfterS: 5,
      context: { upstream },
    });
  }
  return new SwitchboardError(
    'UPSTREAM_UNAVAILABLE',
    `The ${upstream} server cannot be reached (${describe(error)}).`,
    {
      retryAfterS,
      context: { upstream },
      cause: error,
    },
  );
}

export function cancelled(upstream: string): SwitchboardError {
  return new SwitchboardError('INTERNAL', 'cancelled', { context: { upstream } });
}

export function describe(error: unknown): string {
  if (error instanceof undiciErrors.UndiciError) return error.code;
  if (isObject(error) && typeof error['code'] === 'string') return error['code'];
  return error instanceof Error ? error.message : String(error);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function collect(body: AsyncIterable<unknown>, limit = 1024 * 1024): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += typeof chunk === 'string' ? chunk : String(chunk);
    if (text.length > limit) break;
  }
  return text;
}
