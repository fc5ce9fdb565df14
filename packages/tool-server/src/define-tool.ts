import type { Caller } from '@switchboard/caller-assertion';
import type { z } from 'zod';

export interface ToolAnnotations {
  title?: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool handler gets besides its validated arguments. */
export interface ToolContext {
  /** The team key on whose behalf the gateway forwarded this call (verified caller assertion). */
  caller: Caller;
  /** Aborts when the client cancels or disconnects: pass it to every upstream request. */
  signal: AbortSignal;
  /** Reports progress when the client asked for it (a no-op otherwise). */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  log(level: 'debug' | 'info' | 'warning' | 'error', message: string): Promise<void>;
}

/** A tool's successful outcome: the structured value (matching `outputSchema`) and a short text rendering. */
export interface ToolOutput<O> {
  structured: O;
  text: string;
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  /** Name without the gateway's namespace prefix (`publish_post`, not `blotato_publish_post`). */
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  /** Throw a SwitchboardError for expected failures; it becomes an `isError: true` result. */
  handler(args: z.infer<I>, ctx: ToolContext): Promise<ToolOutput<z.infer<O>>>;
}

/** Identity function that keeps the handler's argument and result types tied to the schemas. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  tool: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return tool;
}
