import type { CallerKey, McpAuthenticator } from '../mcp/caller-key.ts';

/**
 * `/mcp` accepts two kinds of bearer token: team API keys (`sb_…`, for clients that can send a header) and
 * OAuth access tokens (for Claude's custom connectors, which only speak OAuth). The prefix decides which
 * authenticator answers, so neither pays for the other.
 */
export class CompositeAuthenticator implements McpAuthenticator {
  readonly #apiKeys: McpAuthenticator;
  readonly #accessTokens: McpAuthenticator;
  readonly #apiKeyPrefix: string;

  constructor(options: { apiKeys: McpAuthenticator; accessTokens: McpAuthenticator; apiKeyPrefix: string }) {
    this.#apiKeys = options.apiKeys;
    this.#accessTokens = options.accessTokens;
    this.#apiKeyPrefix = options.apiKeyPrefix;
  }

  authenticate(token: string, ip: string): Promise<CallerKey> {
    return token.startsWith(this.#apiKeyPrefix)
      ? this.#apiKeys.authenticate(token, ip)
      : this.#accessTokens.authenticate(token, ip);
  }
}
