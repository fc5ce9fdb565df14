export { type ErrorCode, errorCatalogue } from './catalogue.ts';
export {
  asSwitchboardError,
  type ErrorContext,
  isSwitchboardError,
  SwitchboardError,
  type SwitchboardErrorOptions,
} from './switchboard-error.ts';
export {
  type JsonRpcErrorBody,
  type ProblemDetail,
  readToolError,
  TOOL_ERROR_META_KEY,
  type ToolError,
  type ToolErrorResult,
  toJsonRpcError,
  toProblemDetail,
  toToolErrorResult,
} from './wire.ts';
