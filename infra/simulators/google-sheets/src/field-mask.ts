import { invalidArgument } from './errors.ts';

/**
 * Google's `fields` system parameter (a partial response): `a,b.c,d(e,f/g)` keeps only the named members of the
 * response. `.` and `/` both step into a member, parentheses select several members of one, `*` keeps everything at
 * its level, and a mask applies to every element of a list it meets. Members the response lacks are simply absent.
 */
export type FieldTree = Map<string, FieldTree | true>;

function invalid(mask: string) {
  return invalidArgument(`Invalid field selection ${mask}`);
}

export function parseFieldMask(mask: string): FieldTree {
  const root: FieldTree = new Map();
  let i = 0;
  const name = () => {
    const start = i;
    while (i < mask.length && !',()./'.includes(mask[i]!)) i++;
    const n = mask.slice(start, i).trim();
    if (!n) throw invalid(mask);
    return n;
  };
  const child = (tree: FieldTree, key: string): FieldTree | undefined => {
    const existing = tree.get(key);
    if (existing === true) return undefined; // already the whole member: a narrower selection adds nothing
    const sub = existing ?? new Map();
    tree.set(key, sub);
    return sub;
  };
  // One path (`a.b(c,d)`) into `tree`; `tree` undefined means an enclosing member is kept whole.
  const item = (tree: FieldTree | undefined): void => {
    const key = name();
    if (mask[i] === '.' || mask[i] === '/') {
      i++;
      item(tree ? child(tree, key) : undefined);
    } else if (mask[i] === '(') {
      i++;
      list(tree ? child(tree, key) : undefined);
      if (mask[i] !== ')') throw invalid(mask);
      i++;
    } else if (tree) {
      tree.set(key, true);
    }
  };
  const list = (tree: FieldTree | undefined): void => {
    item(tree);
    while (mask[i] === ',') {
      i++;
      item(tree);
    }
  };
  list(root);
  if (i !== mask.length) throw invalid(mask);
  return root;
}

/** Whether the mask keeps anything under `path` (e.g. `['sheets', 'data']`). */
export function selects(tree: FieldTree, path: readonly string[]): boolean {
  let node: FieldTree | true = tree;
  for (const key of path) {
    if (node === true || node.has('*')) return true;
    const next: FieldTree | true | undefined = node.get(key);
    if (next === undefined) return false;
    node = next;
  }
  return true;
}

export function applyFieldMask(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((v) => applyFieldMask(v, tree));
  if (!value || typeof value !== 'object' || tree.has('*')) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (!(key in value)) continue;
    const member = (value as Record<string, unknown>)[key];
    out[key] = sub === true ? member : applyFieldMask(member, sub);
  }
  return out;
}
