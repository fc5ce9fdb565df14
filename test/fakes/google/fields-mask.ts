/**
 * TEST INFRASTRUCTURE. Google's partial-response `fields` parameter
 * (https://developers.google.com/drive/api/guides/fields-parameter): `a,b(c,d/e),f/g`. Drive returns only
 * the listed fields, so a server that forgets to ask for a field gets nothing, here as in production.
 */
export type FieldTree = { [field: string]: FieldTree | true };

export function parseFields(fields: string): FieldTree {
  let pos = 0;
  function list(): FieldTree {
    const tree: FieldTree = {};
    for (;;) {
      const match = /^[A-Za-z_*][A-Za-z0-9_]*/.exec(fields.slice(pos));
      if (match === null) throw new Error(`bad fields mask at ${pos}`);
      pos += match[0].length;
      let node: FieldTree | true = true;
      if (fields[pos] === '/') {
        pos++;
        node = list1();
      } else if (fields[pos] === '(') {
        pos++;
        node = list();
        if (fields[pos] !== ')') throw new Error('missing )');
        pos++;
      }
      tree[match[0]] = merge(tree[match[0]], node);
      if (fields[pos] !== ',') return tree;
      pos++;
    }
  }
  function list1(): FieldTree {
    const match = /^[A-Za-z_*][A-Za-z0-9_]*/.exec(fields.slice(pos));
    if (match === null) throw new Error('bad path');
    pos += match[0].length;
    if (fields[pos] === '/') {
      pos++;
      return { [match[0]]: list1() };
    }
    if (fields[pos] === '(') {
      pos++;
      const inner = list();
      pos++;
      return { [match[0]]: inner };
    }
    return { [match[0]]: true };
  }
  const tree = list();
  if (pos !== fields.length) throw new Error('trailing input in fields');
  return tree;
}

function merge(a: FieldTree | true | undefined, b: FieldTree | true): FieldTree | true {
  if (a === undefined) return b;
  if (a === true || b === true) return true;
  return { ...a, ...b };
}

export function applyFields(value: unknown, tree: FieldTree | true): unknown {
  if (tree === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => applyFields(item, tree));
  if ('*' in tree) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(tree)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = applyFields(v, sub);
  }
  return out;
}
