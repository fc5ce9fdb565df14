import type { ToolDefinition } from '@switchboard/tool-server';
import { accountTools } from './account-tools.ts';
import { creditsTools } from './credits-tools.ts';
import { mediaTools } from './media-tools.ts';
import { postStatusTools } from './post-status-tools.ts';
import { postTools } from './post-tools.ts';
import { scheduleTools } from './schedule-tools.ts';
import type { BlotatoToolDeps } from './tool-deps.ts';
import { visualTools } from './visual-tools.ts';

export type { BlotatoToolDeps } from './tool-deps.ts';

// biome-ignore lint/suspicious/noExplicitAny: tools are heterogeneous; each is type-checked by defineTool.
export function blotatoTools(deps: BlotatoToolDeps): ToolDefinition<any, any>[] {
  return [
    ...accountTools(deps),
    ...postTools(deps),
    ...postStatusTools(deps),
    ...scheduleTools(deps),
    ...mediaTools(deps),
    ...visualTools(deps),
    ...creditsTools(deps),
  ];
}
