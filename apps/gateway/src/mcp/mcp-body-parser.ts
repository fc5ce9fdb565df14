import { asSwitchboardError, SwitchboardError, toJsonRpcError } from '@switchboard/errors';
import fp from 'fastify-plugin';

class JsonParseError extends Error {
  readonly statusCode = 400;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body of `POST /mcp`: JSON only, bounded, parsed once (the handlers read `request.body`; nothing parses
 * it again). Every error on `/mcp`, thrown here or later, leaves as a JSON-RPC error body with its status.
 */
export const mcpBodyParser = fp<{ bodyLimit: number }>(
  async (app, { bodyLimit }) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
      try {
        const text = utf8.decode(body as Buffer);
        done(null, text.trim() === '' ? undefined : JSON.parse(text));
      } catch {
        done(new JsonParseError('Parse error: the body is not valid UTF-8 JSON'), undefined);
      }
    });

    app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
      const failure =
        error instanceof JsonParseError
          ? new SwitchboardError('PARSE_ERROR', error.message)
          : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? new SwitchboardError('PAYLOAD_TOO_LARGE', `Request body exceeds ${bodyLimit} bytes.`)
            : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? new SwitchboardError('UNSUPPORTED_MEDIA_TYPE', 'POST /mcp takes Content-Type: application/json.')
              : asSwitchboardError(error);
      if (failure.code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error on /mcp');
      return reply.code(failure.status).type('application/json').send(toJsonRpcError(failure));
    });
  },
  { name: 'mcp-body-parser' },
);
