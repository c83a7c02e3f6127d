import { desc, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { checkpointMessage, signCheckpoint, type CheckpointKey } from './audit.chain.js';
import { auditCheckpoints } from './audit.table.js';
import type { AppendedEntry } from './audit.writer.js';

export interface CheckpointPolicy {
  key: CheckpointKey;
  /** Sign when the head crosses a multiple of this many entries… */
  every: number;
  /** …or when this many minutes have passed since the last checkpoint. */
  minutes: number;
  now?: () => Date;
}

/**
 * The writer's `onAppended` hook: signs the new head (seq, hash, signedAt) with the Ed25519 key and
 * stores it in the appending transaction, every `every` entries or `minutes` minutes. The head row is
 * locked, so two appends never race for the same checkpoint.
 */
export function checkpointHook(policy: CheckpointPolicy): (tx: Db, head: AppendedEntry, previousSeq: number) => Promise<void> {
  const now = policy.now ?? (() => new Date());
  // Time of the latest checkpoint this process knows of; another instance signing one only makes
  // this one sign a little early, which is harmless.
  let lastSignedAtMs: number | undefined;
  return async (tx, head, previousSeq) => {
    const at = now();
    if (lastSignedAtMs === undefined) {
      const [latest] = await tx.select({ signedAt: auditCheckpoints.signedAt }).from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1);
      lastSignedAtMs = latest ? Date.parse(latest.signedAt) : at.getTime();
    }
    const crossed = Math.floor(head.seq / policy.every) > Math.floor(previousSeq / policy.every);
    const due = at.getTime() - lastSignedAtMs >= policy.minutes * 60_000;
    if (!crossed && !due) return;
    const signedAt = at.toISOString();
    await tx
      .insert(auditCheckpoints)
      .values({ seq: head.seq, hash: head.hash, signedAt, keyId: policy.key.keyId, signature: signCheckpoint(policy.key, head.seq, head.hash, signedAt) })
      .onConflictDoNothing();
    lastSignedAtMs = at.getTime();
  };
}

export interface CheckpointView {
  seq: number;
  hash: string;
  signedAt: string;
  keyId: string;
  signature: string;
  /** The exact text the signature covers. */
  message: string;
  verifiedAt: string | null;
}

/** `timestamptz` comes back in the server's text form; the signed text is the ISO form. */
export function isoTime(value: string): string {
  return new Date(value).toISOString();
}

/** Checkpoints, newest first, for auditors to copy out of the system. */
export async function listCheckpoints(options: { db: Db; limit: number; beforeSeq?: number }): Promise<{ items: CheckpointView[]; nextBeforeSeq: number | null }> {
  const rows = await options.db
    .select()
    .from(auditCheckpoints)
    .where(options.beforeSeq === undefined ? undefined : lt(auditCheckpoints.seq, options.beforeSeq))
    .orderBy(desc(auditCheckpoints.seq))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  return {
    items: page.map((row) => {
      const signedAt = isoTime(row.signedAt);
      return {
        seq: row.seq,
        hash: row.hash,
        signedAt,
        keyId: row.keyId,
        signature: row.signature,
        message: checkpointMessage(row.seq, row.hash, signedAt),
        verifiedAt: row.verifiedAt ? row.verifiedAt.toISOString() : null,
      };
    }),
    nextBeforeSeq: rows.length > options.limit ? page.at(-1)!.seq : null,
  };
}
