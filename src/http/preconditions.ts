import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { preconditionFailed, preconditionRequired } from './http.errors.js';

/** For a route's `headers` schema (other headers pass). */
export const ifMatchHeaders = z.object({
  'if-match': z.string().max(100).optional().describe('The ETag of the version you read, e.g. "3"'),
});

const ENTITY_TAG = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/;

/**
 * The version an If-Match header names: `"3"`, `W/"3"` (a proxy may weaken our tags; versions are
 * exact either way) or a bare `3`. Undefined when absent, null when it names no version of ours.
 */
export function parseIfMatch(header: string | undefined): number | null | undefined {
  if (header === undefined) return undefined;
  const match = ENTITY_TAG.exec(header);
  return match ? Number(match[1]) : null;
}

/**
 * The version the caller read, from If-Match: 428 without it, 412 when it cannot match any version.
 * Apply the change with `… WHERE id = $1 AND version = $expected` and answer 412 when no row changed.
 */
export function requireIfMatch(request: FastifyRequest): number {
  const header = request.headers['if-match'];
  const version = parseIfMatch(Array.isArray(header) ? header.join(',') : header);
  if (version === undefined) throw preconditionRequired();
  if (version === null) throw preconditionFailed();
  return version;
}

/** 412 unless the caller read the current version. */
export function assertVersion(expected: number, current: number): void {
  if (expected !== current) throw preconditionFailed();
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** `ETag: "<version>"`, for the record a response carries. */
export function setETag(reply: FastifyReply, version: number): FastifyReply {
  return reply.header('etag', etagOf(version));
}
