import { z } from 'zod';
import { invalidCursor } from './http.errors.js';

/** `?limit=`: default 50, at most 200 (API.md, "Lists"). */
export const pageLimit = z.coerce.number().int().min(1).max(200).default(50).describe('Items per page, 1–200 (default 50)');
/** `?cursor=`: opaque; checked by decodeCursor, which answers 400 for anything it did not issue. */
export const pageCursor = z.string().min(1).max(2048).optional().describe('nextCursor of the previous page');
/** Both, to spread into a route's querystring schema. */
export const pageQuery = { limit: pageLimit, cursor: pageCursor };

/** `{ items, nextCursor }` */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export type CursorValue = string | number;

/**
 * A cursor: the keyset position of the last item of a page, tagged with the list it belongs to,
 * as base64url JSON. Opaque to clients.
 */
export function encodeCursor(list: string, position: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify([list, ...position]), 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function hasNul(values: unknown[]): boolean {
  return values.some((v) => typeof v === 'string' && v.includes('\0'));
}

/**
 * The position in a cursor issued by encodeCursor for the same `list`, checked against `position`
 * (e.g. `z.tuple([z.number().int().min(0)])`). Anything else — not base64url, not the canonical
 * encoding, not UTF-8, not JSON, another list's cursor, a NUL (PostgreSQL refuses it in text) — is a
 * 400 `request.invalid_cursor`, never a database error.
 */
export function decodeCursor<T extends z.ZodType<CursorValue[]>>(list: string, cursor: string | undefined, position: T): z.output<T> | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.length > 2048 || !BASE64URL.test(cursor)) throw invalidCursor();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Round trip: refuses non-canonical base64 and bytes that are not UTF-8 (decoded as U+FFFD).
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw invalidCursor();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(value) || value[0] !== list) throw invalidCursor();
  const rest: unknown[] = value.slice(1);
  if (hasNul(rest)) throw invalidCursor();
  const parsed = position.safeParse(rest);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}
