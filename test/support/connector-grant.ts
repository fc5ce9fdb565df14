/**
 * Test infrastructure: a Claude connector (a preregistered OAuth client) authorized with one key, written
 * straight into the store, so a page or a route has a grant to show without running the consent flow.
 */
import type { OAuthStore } from '../../apps/gateway/src/oauth/oauth-store.ts';

export const CONNECTOR_CLIENT_ID = `sbc_${'c'.repeat(43)}`;
export const CONNECTOR_CLIENT_NAME = 'Claude (team connector)';

/** Stores the connector client (once) and a grant of it to `keyId`; returns the grant's id. */
export async function seedConnectorGrant(
  store: OAuthStore,
  options: { keyId: string; resource: string; lifetimeMs?: number },
): Promise<string> {
  const now = Date.now();
  const lifetimeMs = options.lifetimeMs ?? 86_400_000;
  await store.saveClient(
    {
      id: CONNECTOR_CLIENT_ID,
      kind: 'preregistered',
      name: CONNECTOR_CLIENT_NAME,
      redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
      authMethod: 'client_secret_post',
      secretHash: 'x',
      createdAt: now,
      lastUsedAt: now,
    },
    null,
  );
  const grant = 'g'.repeat(22);
  await store.createFamily(
    {
      id: grant,
      clientId: CONNECTOR_CLIENT_ID,
      keyId: options.keyId,
      secretFingerprint: 'fp',
      scope: 'mcp',
      resource: options.resource,
      createdAt: now,
      expiresAt: now + lifetimeMs,
    },
    'h'.repeat(64),
    lifetimeMs,
  );
  return grant;
}
