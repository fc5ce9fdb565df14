/** The Node flags that run a TypeScript entry point, for code that spawns one (from any working directory). */
export declare const typeScriptNodeFlags: readonly string[];
