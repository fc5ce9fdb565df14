import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import * as env from './env-fields.ts';
import { ConfigError, loadConfig } from './load-config.ts';

describe('environment fields', () => {
  const schema = z.object({
    PORT: env.port(8080),
    HOST: env.host(),
    LIST: env.commaList(),
    MODE: env.oneOf(['a', 'b'], 'a'),
    LIMITS: env.json(z.object({ n: z.number() }).default({ n: 1 })),
    FLAG: env.boolean(false),
  });

  it('applies defaults, treating empty values as unset', () => {
    assert.deepEqual(loadConfig(schema, { PORT: '', HOST: '', LIST: '', MODE: '', LIMITS: '' }), {
      PORT: 8080,
      HOST: '127.0.0.1',
      LIST: [],
      MODE: 'a',
      LIMITS: { n: 1 },
      FLAG: false,
    });
  });

  it('parses what is set', () => {
    const config = loadConfig(schema, {
      PORT: '9',
      HOST: '0.0.0.0',
      LIST: ' x, y ,',
      MODE: 'b',
      LIMITS: '{"n":5}',
      FLAG: 'yes',
    });
    assert.deepEqual(config, { PORT: 9, HOST: '0.0.0.0', LIST: ['x', 'y'], MODE: 'b', LIMITS: { n: 5 }, FLAG: true });
  });

  it('lists every bad variable by name instead of throwing on the first', () => {
    assert.throws(
      () => loadConfig(schema, { PORT: 'http', MODE: 'c', LIMITS: '{n:' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /PORT/.test(error.message) &&
        /MODE/.test(error.message) &&
        /LIMITS: is not valid JSON/.test(error.message),
    );
  });
});
