import type { FastifyInstance } from 'fastify';
import type { FieldErrorSpec } from './errors.js';
import { invalidCharacters } from './http.errors.js';

/** A NUL, or a surrogate that is not half of a pair: neither can be stored by PostgreSQL (text is UTF-8 without NUL). */
// eslint-disable-next-line no-control-regex -- finding the NUL character is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when PostgreSQL could not store `value` as text (a NUL, a lone surrogate). */
export function isUnstorable(value: string): boolean {
  return UNSTORABLE.test(value);
}

/** Field errors cap: a hostile body of a million bad strings gets a short answer. */
const MAX_REPORTED = 20;

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Pointers (`/body/name`) to every string — value or object key — that PostgreSQL could not store,
 * at any depth of an already-parsed request part. Iterative, so deep nesting cannot overflow the stack.
 */
export function unstorableStrings(root: unknown, prefix: string, found: FieldErrorSpec[] = []): FieldErrorSpec[] {
  const pending: [unknown, string][] = [[root, prefix]];
  while (pending.length > 0 && found.length < MAX_REPORTED) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) found.push({ path, code: 'invalid_characters' });
      continue;
    }
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) continue;
    if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push([item, `${path}/${index}`]));
      continue;
    }
    // Plain records only (JSON bodies; the query parser's objects inherit from a prototype-less
    // `Empty`); streams and files are not parsed text.
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype !== null && prototype !== Object.prototype && Object.getPrototypeOf(prototype) !== null) continue;
    for (const [key, item] of Object.entries(value)) {
      if (UNSTORABLE.test(key)) found.push({ path: `${path}/${escapePointer(key.replace(UNSTORABLE, '?'))}`, code: 'invalid_characters' });
      pending.push([item, `${path}/${escapePointer(key)}`]);
    }
  }
  return found;
}

/**
 * One check for every route, before its schema runs: path parameters, query and parsed body must
 * hold only text PostgreSQL can store, so a NUL byte is a 400 naming the field rather than a
 * database error (a 500) — whether or not the route's schema thought of it. Cursors are opaque:
 * what they decode to is checked by their codec (src/http/pagination.ts), a 400 request.invalid_cursor.
 */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const errors = unstorableStrings(request.params, '/params');
    unstorableStrings(request.query, '/querystring', errors);
    unstorableStrings(request.body, '/body', errors);
    if (errors.length > 0) throw invalidCharacters({ errors });
  });
}
