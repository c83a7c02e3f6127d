import canonicalizeModule from 'canonicalize';
import { createHash, createHmac, createPrivateKey, createPublicKey, hash, sign, verify, type KeyObject } from 'node:crypto';

// The package's typings declare a module object; at run time the default export is the function.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** Version tag hashed into every entry; a new tag is how the hashing scheme would ever change. */
export const CHAIN_VERSION = 'audit/v2';
export const GENESIS_HASH = '0'.repeat(64);
/** Version tag of the signed checkpoint message. */
export const CHECKPOINT_VERSION = 'audit-checkpoint/v1';

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
  /** The case the entry concerns (v2), so a case's history is one indexed query. */
  caseId: string | null;
  /** The ministry the entry concerns (v2), so a ministry-scoped auditor sees exactly its entries. */
  ministry: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  /**
   * The client's own X-Request-Id (a valid one), beside the server's `requestId`; absent when the
   * client sent none. Inside the hashed canonical text only, no column of its own.
   */
  clientRequestId?: string | null;
  /** Keyed hash of the client address (v2): for an officer abroad the address is location data. */
  clientAddress: string | null;
  changes: Record<string, FieldChange>;
  details: Record<string, unknown>;
}

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalized');
  return text;
}

/** SHA-256 in hex, one-shot (`crypto.hash`, in every Node the engines field allows): no Hash object per call. */
const sha256Hex = (text: string): string => hash('sha256', text);

/** SHA-256 over the version tag, the sequence number, the previous hash and the canonical entry. */
export function chainHash(seq: number | string, prevHash: string, canonical: string): string {
  return sha256Hex(`${CHAIN_VERSION}\n${seq}\n${prevHash}\n${canonical}`);
}

/**
 * Keyed hash of a personal-data value, so the immutable log can show that a name or ID changed
 * (and match a known value) without becoming a second copy of the personal data.
 */
export function personalDigest(hmacKey: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return `hmac-sha256:${createHmac('sha256', hmacKey).update(canonicalJson(value)).digest('hex')}`;
}

/** The exact text an Ed25519 checkpoint signature covers. */
export function checkpointMessage(seq: number, hash: string, signedAt: string): string {
  return `${CHECKPOINT_VERSION}|${seq}|${hash}|${signedAt}`;
}

/** The checkpoint signing key, its public half (SPKI PEM) and a short id derived from the public key. */
export interface CheckpointKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

export function checkpointKey(privateKeyPem: string): CheckpointKey {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the audit signing key must be an Ed25519 private key');
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`,
  };
}

export function signCheckpoint(key: CheckpointKey, seq: number, hash: string, signedAt: string): string {
  return sign(null, Buffer.from(checkpointMessage(seq, hash, signedAt)), key.privateKey).toString('base64');
}

export function checkpointSignatureValid(publicKey: KeyObject, seq: number, hash: string, signedAt: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(checkpointMessage(seq, hash, signedAt)), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
