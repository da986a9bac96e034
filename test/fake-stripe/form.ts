/**
 * Stripe's v1 API takes `application/x-www-form-urlencoded` bodies with nested keys the way
 * `qs` writes them (`metadata[tenant]=acme`, `line_items[0][price]=price_x`); stripe-node
 * encodes them so. This turns such a body back into the object the client was given, with
 * every leaf a string (form encoding has no types: Stripe coerces `quantity=1` itself).
 */
export type FormValue = string | readonly FormValue[] | { readonly [key: string]: FormValue };
export type FormBody = { readonly [key: string]: FormValue };

/** A body Stripe would refuse as malformed, such as `a=1&a[b]=2`. */
export class FormError extends Error {
  override readonly name = 'FormError';
}

type Tree = { [key: string]: Tree | string };

/** `line_items[0][price]` → `['line_items', '0', 'price']`; `tags[]` → `['tags', '']` (append). */
function segments(key: string): string[] {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m?.[1]) throw new FormError(`Invalid parameter name: ${key}`);
  return [m[1], ...[...(m[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((s) => s[1] ?? '')];
}

export function parseForm(text: string): FormBody {
  const root: Tree = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = segments(key);
    let node = root;
    path.forEach((raw, i) => {
      const name = raw === '' ? String(Object.keys(node).length) : raw;
      const last = i === path.length - 1;
      const existing = node[name];
      if (last) {
        if (existing !== undefined) throw new FormError(`Received both ${key} and another value for the same parameter`);
        node[name] = value;
        return;
      }
      if (typeof existing === 'string') throw new FormError(`Invalid hash or array: ${path.slice(0, i + 1).join('.')} is both a value and a container`);
      node = existing ?? (node[name] = {});
    });
  }
  return toBody(root);
}

/** Containers whose keys are exactly 0..n-1 were arrays on the client's side. */
function toValue(node: Tree | string): FormValue {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  const isArray = keys.length > 0 && keys.every((k, i) => k === String(i));
  return isArray ? keys.map((k) => toValue(node[k] ?? '')) : toBody(node);
}

function toBody(tree: Tree): FormBody {
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, toValue(v)]));
}

/** A canonical text of a body, to tell "the same parameters" on an idempotent replay. */
export function canonical(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as FormBody;
  return `{${Object.keys(record)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(record[k] ?? '')}`)
    .join(',')}}`;
}
