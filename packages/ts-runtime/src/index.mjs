// The Node flags that run a TypeScript entry point, for code that spawns one (from any working directory).
export const typeScriptNodeFlags = ['--import', new URL('./register.mjs', import.meta.url).href];
