import canonicalizeModule from 'canonicalize';
import { createHash, createHmac } from 'node:crypto';

/** Version tag hashed into every entry; a new tag is how the hashing scheme would ever change. */
// The package's typings declare a module object; at run time the default export is the function.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

export const CHAIN_VERSION = 'audit/v1';
export const GENESIS_HASH = '0'.repeat(64);

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** A field's values before and after a change; either side may be absent. */
export interface FieldChange {
  before?: unknown;
  after?: unknown;
}

/** What is hashed and stored, in RFC 8785 canonical form. */
export interface CanonicalEntry {
  seq: number;
  at: string;
  actor: { id: string; role: string } | null;
  action: string;
  entityType: string;
  entityId: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  clientAddress: string | null;
  changes: Record<string, FieldChange>;
  details: Record<string, unknown>;
}

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalized');
  return text;
}

/** SHA-256 over the version tag, the sequence number, the previous hash and the canonical entry. */
export function chainHash(seq: number, prevHash: string, canonical: string): string {
  return createHash('sha256').update(`${CHAIN_VERSION}\n${seq}\n${prevHash}\n${canonical}`).digest('hex');
}

/**
 * Keyed hash of a personal-data value, so the immutable log can show that a name or ID changed
 * (and match a known value) without becoming a second copy of the personal data.
 */
export function personalDigest(hmacKey: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return `hmac-sha256:${createHmac('sha256', hmacKey).update(canonicalJson(value)).digest('hex')}`;
}
