import type { FastifyInstance } from 'fastify';
import { emptyBody, forbiddenProperty, malformedJson } from './http.errors.js';

/** Cheap pre-check: a forbidden key is spelled with "__", "constructor" or a \u escape. */
const SUSPECT = /__|constructor|\\u/;

/**
 * True when the parsed value has an own `__proto__` key, or a `constructor` object with a
 * `prototype` key, at any depth (what secure-json-parse refuses). Iterative: deep nesting
 * cannot overflow the stack.
 */
function hasForbiddenKey(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) pending.push(item);
      continue;
    }
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, '__proto__')) return true;
    const ctor = Object.hasOwn(record, 'constructor') ? record.constructor : undefined;
    if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return true;
    for (const key of Object.keys(record)) pending.push(record[key]);
  }
  return false;
}

/**
 * JSON bodies. fastify's own parser already refuses prototype-poisoning keys, but reports them as
 * malformed JSON; this one says which it is, so the caller gets a useful problem document.
 * JSON.parse only creates an own `__proto__` property (it never sets the prototype), so the
 * check after parsing is safe.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(emptyBody(), undefined);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      done(malformedJson(), undefined);
      return;
    }
    if (SUSPECT.test(text) && hasForbiddenKey(value)) {
      done(forbiddenProperty(), undefined);
      return;
    }
    done(null, value);
  });
}
