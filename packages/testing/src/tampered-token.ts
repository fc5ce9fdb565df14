/**
 * `token` with its last character changed, to make a token that must be refused. Always to another character:
 * writing a fixed letter over it gave the same token back once in 62 (a base62 alphabet), and the test that
 * expected a refusal then failed.
 */
export function withLastCharacterChanged(token: string): string {
  return `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`;
}
