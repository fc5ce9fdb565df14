// `node --import @switchboard/ts-runtime/register main.ts`: loads .ts files as ES modules.
import { register } from 'node:module';

// Stack traces name the TypeScript lines; the maps are inline, built by the hook.
process.setSourceMapsEnabled(true);
register('./load-typescript.mjs', import.meta.url);
