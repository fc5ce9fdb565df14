import { SwitchboardError } from '@switchboard/errors';
import fp from 'fastify-plugin';
import { acceptedForms } from './accept.ts';
import type { CallerKey } from './caller-key.ts';
import { sendError, sessionNotFound } from './json-rpc-replies.ts';
import type { LegacySessions } from './legacy-sessions.ts';
import type { LegacyStreams } from './legacy-streams.ts';

/**
 * The 2025 era's session verbs: `GET /mcp` opens the session's stream of server messages (list changes,
 * requests from upstreams), `DELETE /mcp` ends the session on every replica. 2026-07-28 clients use neither.
 */
export const mcpSessionStreams = fp<{ sessions: LegacySessions; streams: LegacyStreams }>(
  async (app, { sessions, streams }) => {
    app.get('/mcp', async (request, reply) => {
      const key = request.callerKey as CallerKey;
      const sessionId = request.headers['mcp-session-id'];
      if (typeof sessionId !== 'string') {
        return sendError(
          reply,
          405,
          null,
          new SwitchboardError(
            'INVALID_REQUEST',
            'GET /mcp needs an Mcp-Session-Id (2025-era stream); 2026-07-28 clients use subscriptions/listen.',
          ),
        );
      }
      const session = await sessions.open(sessionId);
      if (session === undefined || session.keyId !== key.id) return sendError(reply, 404, null, sessionNotFound());
      if (!acceptedForms(request.headers.accept).sse || request.headers.accept === undefined) {
        return sendError(
          reply,
          406,
          null,
          new SwitchboardError('NOT_ACCEPTABLE', 'GET /mcp streams text/event-stream; list it in Accept.'),
        );
      }
      reply.hijack();
      streams.open(session, key.scopes, reply.raw);
    });

    app.delete('/mcp', async (request, reply) => {
      const key = request.callerKey as CallerKey;
      const sessionId = request.headers['mcp-session-id'];
      const session = typeof sessionId === 'string' ? await sessions.open(sessionId) : undefined;
      if (session === undefined || session.keyId !== key.id) {
        return sendError(reply, 404, null, new SwitchboardError('SESSION_NOT_FOUND', 'Session not found.'));
      }
      await sessions.end(session);
      return reply.code(200).send();
    });
  },
  { name: 'mcp-session-streams' },
);
