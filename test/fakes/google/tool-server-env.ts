/**
 * TEST INFRASTRUCTURE. What a Gmail or Drive tool server needs to talk to the fake instead of Google, and the
 * connect link a tool answers an unlinked caller with.
 */
import assert from 'node:assert/strict';
import { readToolError } from '@switchboard/errors';
import type { FakeGoogle } from './start-fake-google.ts';

export function fakeGoogleEnv(google: FakeGoogle, secret: string, publicUrl: string): Record<string, string> {
  return {
    GMAIL_BASE_URL: google.url,
    DRIVE_BASE_URL: google.url,
    GOOGLE_TOKEN_URL: `${google.url}/token`,
    GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
    CALLER_ASSERTION_SECRET: secret,
    GATEWAY_PUBLIC_URL: publicUrl,
    LOG_LEVEL: 'silent',
  };
}

/** The connect link of a CONNECT_REQUIRED tool error; asserts the sentence itself carries it. */
export function connectUrlFrom(result: {
  isError?: boolean;
  structuredContent?: unknown;
  _meta?: unknown;
  content?: unknown;
}): string {
  assert.equal(result.isError, true, JSON.stringify(result));
  const error = readToolError(result);
  assert.equal(error?.code, 'CONNECT_REQUIRED', JSON.stringify(result));
  const url = error?.connect_url as string;
  assert.ok(JSON.stringify(result.content).includes(url), 'the sentence itself carries the link');
  return url;
}
