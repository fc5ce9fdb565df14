export { BlotatoClient, type BlotatoClientOptions, type CallContext } from './blotato-client.ts';
export { BLOTATO_BUDGET_NAMES, BLOTATO_ROUTE_LIMITS, type BlotatoBudget, defaultBudgets } from './budgets.ts';
export { type BlotatoServerDeps, buildBlotatoServer, SERVER_NAME } from './build-blotato-server.ts';
export { type BlotatoConfig, blotatoEnvSchema, loadBlotatoConfig, toBlotatoConfig } from './config.ts';
export { type BlotatoPostBody, PLATFORMS, type PostInput, preparePost } from './post-request.ts';
