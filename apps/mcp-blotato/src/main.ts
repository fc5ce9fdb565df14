import { runToolServer } from '@switchboard/tool-server';
import { buildBlotatoServer } from './build-blotato-server.ts';
import { loadBlotatoConfig } from './config.ts';

const config = loadBlotatoConfig();
const app = buildBlotatoServer(config);
const address = await runToolServer(app, config.port, config.host);
app.log.info(
  { address, store: config.redisUrl === undefined ? 'in-memory' : 'redis', budgets: config.budgets },
  'blotato tool server listening',
);
if (config.apiKey === undefined) {
  app.log.warn('BLOTATO_API_KEY is not set: the server runs, and every tool answers NOT_CONFIGURED');
} else {
  // A wrong key shows at start rather than at the first post; the answer's echoed key is dropped by the client.
  app.blotato.client.getUser({ callerKey: 'startup-check' }).then(
    (user) =>
      app.log.info(
        { user: user.id, plan: user.subscriptionPlan, status: user.subscriptionStatus },
        'Blotato key verified',
      ),
    (error: unknown) =>
      app.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'Blotato key check failed'),
  );
}
