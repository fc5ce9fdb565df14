/**
 * TEST INFRASTRUCTURE. Parses and evaluates the subset of Drive's `q` language the Drive server uses
 * (https://developers.google.com/drive/api/guides/ref-search-terms): `contains = != < <= > >= in`,
 * `and or not`, parentheses, string literals with `\'` and `\\` escapes. A malformed query (for example a
 * value with an unescaped quote) is rejected, as Drive does, so escaping bugs fail tests.
 */
import type { FakeDriveFile } from './fake-drives.ts';

type Token = { kind: 'string' | 'word' | 'op' | 'paren'; value: string };
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'cmp'; field: string; op: string; value: string | boolean }
  | { kind: 'in'; value: string; field: string };

export class DriveQueryError extends Error {}

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= q.length) throw new DriveQueryError('unterminated string');
        const d = q[i] ?? '';
        if (d === '\\') {
          const next = q[i + 1];
          if (next !== "'" && next !== '\\') throw new DriveQueryError('bad escape');
          value += next;
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', value: c });
      i++;
    } else if (/[<>=!]/.test(c)) {
      const two = q.slice(i, i + 2);
      const op = ['<=', '>=', '!='].includes(two) ? two : c;
      tokens.push({ kind: 'op', value: op });
      i += op.length;
    } else {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(q.slice(i));
      if (match === null) throw new DriveQueryError(`unexpected character ${c}`);
      tokens.push({ kind: 'word', value: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

export function parseDriveQuery(q: string): Node {
  const tokens = tokenize(q);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => {
    const token = tokens[pos++];
    if (token === undefined) throw new DriveQueryError('unexpected end');
    return token;
  };
  const isWord = (token: Token | undefined, word: string) => token?.kind === 'word' && token.value === word;

  function orExpr(): Node {
    let left = andExpr();
    while (isWord(peek(), 'or')) {
      take();
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  }
  function andExpr(): Node {
    let left = notExpr();
    while (isWord(peek(), 'and')) {
      take();
      left = { kind: 'and', left, right: notExpr() };
    }
    return left;
  }
  function notExpr(): Node {
    if (isWord(peek(), 'not')) {
      take();
      return { kind: 'not', inner: notExpr() };
    }
    return primary();
  }
  function primary(): Node {
    const token = take();
    if (token.kind === 'paren' && token.value === '(') {
      const inner = orExpr();
      const close = take();
      if (close.kind !== 'paren' || close.value !== ')') throw new DriveQueryError('missing )');
      return inner;
    }
    if (token.kind === 'string') {
      if (!isWord(take(), 'in')) throw new DriveQueryError('expected in');
      const field = take();
      if (field.kind !== 'word' || !['parents', 'owners'].includes(field.value)) throw new DriveQueryError('bad in');
      return { kind: 'in', value: token.value, field: field.value };
    }
    if (token.kind !== 'word') throw new DriveQueryError('expected a field');
    const field = token.value;
    if (!['name', 'fullText', 'mimeType', 'modifiedTime', 'trashed', 'starred'].includes(field)) {
      throw new DriveQueryError(`unknown field ${field}`);
    }
    const opToken = take();
    const op = opToken.kind === 'word' && opToken.value === 'contains' ? 'contains' : opToken.value;
    if (opToken.kind !== 'op' && op !== 'contains') throw new DriveQueryError('expected an operator');
    const valueToken = take();
    let value: string | boolean;
    if (valueToken.kind === 'string') value = valueToken.value;
    else if (isWord(valueToken, 'true') || isWord(valueToken, 'false')) value = valueToken.value === 'true';
    else throw new DriveQueryError('expected a value');
    return { kind: 'cmp', field, op, value };
  }

  const node = orExpr();
  if (pos !== tokens.length) throw new DriveQueryError('trailing input');
  return node;
}

export function matchesDriveQuery(node: Node, file: FakeDriveFile, rootId = ''): boolean {
  switch (node.kind) {
    case 'and':
      return matchesDriveQuery(node.left, file, rootId) && matchesDriveQuery(node.right, file, rootId);
    case 'or':
      return matchesDriveQuery(node.left, file, rootId) || matchesDriveQuery(node.right, file, rootId);
    case 'not':
      return !matchesDriveQuery(node.inner, file, rootId);
    case 'in':
      // `'root' in parents` is Drive's alias for the user's My Drive folder.
      return node.field === 'parents'
        ? file.parents.includes(node.value === 'root' ? rootId : node.value)
        : file.owners.some((o) => o.emailAddress === node.value);
    case 'cmp': {
      const actual =
        node.field === 'name'
          ? file.name
          : node.field === 'fullText'
            ? `${file.name} ${file.fullText}`
            : node.field === 'mimeType'
              ? file.mimeType
              : node.field === 'modifiedTime'
                ? file.modifiedTime
                : node.field === 'trashed'
                  ? file.trashed
                  : false;
      const value = node.value;
      if (node.op === 'contains') {
        return (
          typeof actual === 'string' && typeof value === 'string' && actual.toLowerCase().includes(value.toLowerCase())
        );
      }
      if (node.field === 'modifiedTime' && typeof value === 'string' && typeof actual === 'string') {
        const a = Date.parse(actual);
        const b = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
        if (Number.isNaN(b)) throw new DriveQueryError('bad date');
        return compare(a, b, node.op);
      }
      if (node.op === '=') return actual === value;
      if (node.op === '!=') return actual !== value;
      throw new DriveQueryError(`operator ${node.op} not valid for ${node.field}`);
    }
  }
}

function compare(a: number, b: number, op: string): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    default:
      throw new DriveQueryError(`bad operator ${op}`);
  }
}
