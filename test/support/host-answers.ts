/**
 * Test infrastructure: how a host application answers a server's questions (sampling, elicitation), for the
 * SDK clients of both majors, so every test that checks those round trips expects the same answers.
 */
import type { Client as ModernClient } from '@modelcontextprotocol/client';
import type { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** The elicitation answer: the form filled in with a name. */
export const ELICITED = { action: 'accept' as const, content: { name: 'Ada' } };

/** The sampled model's answer to a prompt. */
export function sampled(prompt: string) {
  return {
    role: 'assistant' as const,
    model: 'test-model',
    content: { type: 'text' as const, text: `model says: ${prompt}` },
  };
}

function promptOf(messages: { content: unknown }[]): string {
  const first = messages[0]?.content as { type?: string; text?: string } | undefined;
  return first?.type === 'text' && typeof first.text === 'string' ? first.text : '?';
}

/** Capabilities a client must declare for the answers below to be asked of it. */
export const HOST_CAPABILITIES = { sampling: {}, elicitation: { form: {} } };

export function answerAsHost(client: LegacyClient): void {
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => sampled(promptOf(request.params.messages)));
  client.setRequestHandler(ElicitRequestSchema, async () => ELICITED);
}

export function answerAsModernHost(client: ModernClient): void {
  client.setRequestHandler('sampling/createMessage', async (request) => sampled(promptOf(request.params.messages)));
  client.setRequestHandler('elicitation/create', async () => ELICITED);
}
