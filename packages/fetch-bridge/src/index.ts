export {
  type AnswerBody,
  answerHeaders,
  type FetchHandler,
  pipeAnswer,
  requestHeaders,
  serveFetch,
} from './serve-fetch.ts';
