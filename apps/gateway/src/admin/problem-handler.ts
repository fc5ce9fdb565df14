import { isSwitchboardError, SwitchboardError, toProblemDetail } from '@switchboard/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * Every failure of the admin API leaves as `application/problem+json` (RFC 9457) with a stable `code`:
 * our own errors, schema violations, body parser refusals (malformed JSON, prototype poisoning, oversized or
 * non-JSON bodies) and unknown routes. Unexpected errors are logged and answered without their text.
 */
export function registerProblemHandlers(app: FastifyInstance, options: { bodyLimit: number }): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = toSwitchboardError(error, options.bodyLimit);
    if (failure.status >= 500) request.log.error({ err: error }, 'admin request failed');
    return sendProblem(request, reply, failure);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new SwitchboardError('NOT_FOUND', `There is no ${request.method} ${pathOf(request)} in the admin API.`),
    ),
  );
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, failure: SwitchboardError) {
  const problem = toProblemDetail(failure, pathOf(request));
  if (failure.retryAfterS !== undefined) void reply.header('retry-after', String(Math.ceil(failure.retryAfterS)));
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}

function toSwitchboardError(error: FastifyError, bodyLimit: number): SwitchboardError {
  if (isSwitchboardError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      where: [error.validationContext ?? 'request', ...issue.instancePath.split('/').filter(Boolean)].join('.'),
      message: issue.message ?? 'is invalid',
    }));
    const sentence = issues.map((i) => `${i.where}: ${i.message}`).join('; ');
    return new SwitchboardError('VALIDATION_FAILED', `The request is invalid: ${sentence}`, { details: { issues } });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SwitchboardError('PAYLOAD_TOO_LARGE', `The request body is larger than ${bodyLimit} bytes.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SwitchboardError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the request body as JSON (Content-Type: application/json).',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SwitchboardError(
        'PARSE_ERROR',
        'The body is empty although Content-Type says JSON; send {} or no Content-Type.',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new SwitchboardError(
        'PARSE_ERROR',
        'The request body is not valid JSON (or uses a forbidden key such as "__proto__").',
      );
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new SwitchboardError('PAYLOAD_TOO_LARGE', 'The request is too large.');
  if (status === 415) return new SwitchboardError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type.');
  if (status >= 400 && status < 500) return new SwitchboardError('VALIDATION_FAILED', 'The request is malformed.');
  return new SwitchboardError('INTERNAL', 'Internal error; the incident was logged.', { cause: error });
}
