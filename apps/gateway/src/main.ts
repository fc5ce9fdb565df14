import { loadGatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';

/**
 * Runs one gateway replica: the public listener (`/mcp`, health) and the admin listener. On an empty key
 * store it creates a first key and prints it with the connector URL, so `npm start` is usable at once.
 */
const config = loadGatewayConfig();
const gateway = await createGateway(config);
await gateway.publicApp.listen({ port: config.GATEWAY_PORT, host: config.GATEWAY_HOST });
await gateway.adminApp.listen({ port: config.GATEWAY_ADMIN_PORT, host: config.GATEWAY_ADMIN_HOST });

const connectorUrl = new URL('/mcp', config.GATEWAY_PUBLIC_URL).href;
const lines = [
  `Switchboard gateway ready`,
  `  connector URL: ${connectorUrl}`,
  `  admin API:     http://${config.GATEWAY_ADMIN_HOST}:${config.GATEWAY_ADMIN_PORT}/admin/v1`,
];
if (gateway.adminTokenGenerated)
  lines.push(`  admin token:   ${gateway.adminToken}   (generated; set GATEWAY_ADMIN_TOKEN to keep one)`);
const existing = await gateway.keys.list({ limit: 1 });
if (existing.items.length === 0 && existing.nextCursor === null) {
  const first = await gateway.keys.create(
    { name: 'first key', owner: 'bootstrap', scopes: ['*'] },
    { id: 'bootstrap' },
  );
  lines.push(`  first API key: ${first.token}   (shown once; key id ${first.key.id})`);
}
if (gateway.generatedSecrets.length > 0) {
  lines.push(
    `  note: generated ${gateway.generatedSecrets.join(', ')} for this process; set them to run several replicas.`,
  );
}
const troubled = gateway.registry.upstreams.filter((u) => u.state !== 'ready');
if (troubled.length > 0) {
  lines.push('  upstreams not serving yet (the others are; details on /readyz):');
  for (const u of troubled)
    lines.push(`    ${u.name}: ${u.state}${u.lastError === undefined ? '' : ` — ${u.lastError}`}`);
}
// The banner goes to stdout on purpose (it is for the operator); request logs go through pino.
process.stdout.write(`${lines.join('\n')}\n`);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  gateway.publicApp.log.info({ signal }, 'draining');
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));
