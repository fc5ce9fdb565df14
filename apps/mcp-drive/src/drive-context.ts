import type { GoogleCredentials } from '@switchboard/google-auth';
import type { ToolContext } from '@switchboard/tool-server';
import type { DriveApi, DriveCall } from './drive-api.ts';
import type { TextCache } from './text-cache.ts';

export interface DriveToolDeps {
  credentials: GoogleCredentials;
  drive: DriveApi;
  texts: TextCache;
}

/** The caller's Drive, as the verified caller assertion names it (`ctx.caller.keyId`). */
export async function driveCall(deps: DriveToolDeps, ctx: ToolContext): Promise<DriveCall> {
  return {
    credential: await deps.credentials.forCaller(ctx.caller.keyId),
    callerKey: ctx.caller.keyId,
    signal: ctx.signal,
  };
}
