export {
  type AssertionSignerOptions,
  type Caller,
  CallerAssertionError,
  CallerAssertionSigner,
  CallerAssertionVerifier,
} from './caller-assertion.ts';
