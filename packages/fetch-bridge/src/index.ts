export { type AnswerBody, type FetchHandler, pipeAnswer, requestHeaders, serveFetch } from './serve-fetch.ts';
