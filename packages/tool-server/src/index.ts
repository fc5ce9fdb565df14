export { buildToolServer, type ToolServerOptions } from './build-tool-server.ts';
export {
  defineTool,
  type ToolAnnotations,
  type ToolContext,
  type ToolDefinition,
  type ToolOutput,
} from './define-tool.ts';
export { runToolServer } from './run-tool-server.ts';
export { createToolMetrics, type ToolMetrics } from './tool-metrics.ts';
