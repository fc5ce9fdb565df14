import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { frameLabel } from './frame-label.ts';

describe('frameLabel', () => {
  test('a TypeScript frame is named by function and path, without the generated line', () => {
    const url = 'file:///srv/switchboard/apps/gateway/src/mcp/tool-call-relay.ts';
    assert.equal(
      frameLabel({ functionName: 'writeSingle', url, lineNumber: 204 }),
      'writeSingle apps/gateway/src/mcp/tool-call-relay.ts',
    );
  });

  test('a JavaScript frame keeps its line (1-based), from node_modules on', () => {
    const url = 'file:///srv/switchboard/node_modules/ioredis/built/Command.js';
    assert.equal(frameLabel({ functionName: 'Command', url, lineNumber: 36 }), 'Command ioredis/built/Command.js:37');
    assert.equal(frameLabel({ functionName: 'emit', url: 'node:events', lineNumber: 470 }), 'emit node:events:471');
  });

  test('a native frame is its name; an unnamed one is (anonymous)', () => {
    assert.equal(frameLabel({ functionName: 'writev', url: '', lineNumber: -1 }), 'writev');
    assert.equal(
      frameLabel({ functionName: '', url: 'file:///x/test/soak/soak.ts', lineNumber: 3 }),
      '(anonymous) test/soak/soak.ts',
    );
  });
});
