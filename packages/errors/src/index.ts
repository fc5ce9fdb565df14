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
  toJsonRpcError,
  toProblemDetail,
  toToolErrorResult,
} from './wire.ts';
