import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from './switchboard-error.ts';
import { readToolError, TOOL_ERROR_META_KEY, toToolErrorResult } from './wire.ts';

const limited = new SwitchboardError('RATE_LIMITED', 'Rate limit for drive_read_file; retry in 23 s.', {
  retryAfterS: 23,
  context: { upstream: 'drive' },
  details: { limit: 10, window_s: 60, scope: 'key' },
});

describe('toToolErrorResult', () => {
  it('keeps the error out of structuredContent when the tool declares an outputSchema', () => {
    const result = toToolErrorResult(limited, { hasOutputSchema: true });
    assert.equal(result.isError, true);
    assert.equal('structuredContent' in result, false);
    assert.deepEqual(result.content, [{ type: 'text', text: 'Rate limit for drive_read_file; retry in 23 s.' }]);
    assert.deepEqual(result._meta[TOOL_ERROR_META_KEY], {
      code: 'RATE_LIMITED',
      message: 'Rate limit for drive_read_file; retry in 23 s.',
      retryable: true,
      retry_after_s: 23,
      context: { upstream: 'drive' },
      limit: 10,
      window_s: 60,
      scope: 'key',
    });
  });

  it('also carries structuredContent.error when the tool declares none (the documented rate-limit shape)', () => {
    const result = toToolErrorResult(limited, { hasOutputSchema: false });
    assert.deepEqual(result.structuredContent?.error, result._meta[TOOL_ERROR_META_KEY]);
    assert.equal(result.structuredContent?.error.retry_after_s, 23);
  });

  it('never lets details overwrite the code or the sentence', () => {
    const error = new SwitchboardError('NOT_FOUND', 'No such file.', { details: { code: 'OK', message: 'fine' } });
    const meta = toToolErrorResult(error, { hasOutputSchema: true })._meta[TOOL_ERROR_META_KEY];
    assert.equal(meta.code, 'NOT_FOUND');
    assert.equal(meta.message, 'No such file.');
  });

  it('uses a _meta key the MCP spec allows (reverse-DNS prefix, not reserved for MCP)', () => {
    const [prefix, name] = TOOL_ERROR_META_KEY.split('/');
    const label = /^[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
    assert.ok(prefix!.split('.').every((l) => label.test(l)));
    assert.ok(!['modelcontextprotocol', 'mcp'].includes(prefix!.split('.')[1]!));
    assert.match(name!, /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/);
  });
});

describe('readToolError', () => {
  it('reads the error from _meta, from structuredContent.error, and nothing from a success', () => {
    assert.equal(readToolError(toToolErrorResult(limited, { hasOutputSchema: true }))?.code, 'RATE_LIMITED');
    const foreign = { isError: true, structuredContent: { error: { code: 'UPSTREAM_ERROR', message: 'x' } } };
    assert.equal(readToolError(foreign)?.code, 'UPSTREAM_ERROR');
    assert.equal(readToolError({ isError: true, content: [] } as never), undefined);
    assert.equal(readToolError({ structuredContent: { error: { code: 'NOT_AN_ERROR' } } }), undefined);
  });
});
