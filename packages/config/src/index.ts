export * as env from './env-fields.ts';
export { ConfigError, loadConfig } from './load-config.ts';
