import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { CheckpointKey } from './audit.chain.js';
import { auditCheckpoints } from './audit.table.js';
import { verifyChain, type VerifyReport } from './audit.verify.js';
import type { AuditTrail } from './audit.js';
import type { AuditContext } from './audit.writer.js';

/** What a run did not recompute: the entries before the verified checkpoint an incremental run starts from. */
export interface NotChecked {
  fromSeq: number;
  toSeq: number;
  /** The verified checkpoint the run started from (its own entry was recomputed). */
  anchorCheckpointSeq: number;
  reason: string;
}

export type VerificationResult = VerifyReport & { verifiedCheckpointSeq: number | null; notChecked: NotChecked | null };

/** Who asked for a verification: an auditor (`api`), the command line, or the scheduled full run. */
export type VerificationVia = 'api' | 'cli' | 'schedule';

/**
 * An incremental run trusts the entries up to its anchor (a checkpoint an earlier run verified): they
 * are not recomputed in this run, and the answer says so.
 */
export function notCheckedBy(report: Pick<VerifyReport, 'mode' | 'fromSeq'>): NotChecked | null {
  if (report.mode !== 'incremental' || report.fromSeq <= 1) return null;
  return {
    fromSeq: 1,
    toSeq: report.fromSeq - 1,
    anchorCheckpointSeq: report.fromSeq,
    reason: `entries before the verified checkpoint at seq ${report.fromSeq} were proved by an earlier run and not recomputed in this one; full=true recomputes them`,
  };
}

/**
 * Verifies the chain, then in one transaction marks the newest checkpoint it proved as verified
 * (the next incremental run starts there) and records the verification itself in the audit log.
 */
export async function runVerification(options: {
  database: Database;
  audit: Pick<AuditTrail, 'inTransaction'>;
  key: CheckpointKey;
  context: AuditContext;
  full?: boolean;
  checkpoint?: { seq: number; hash: string };
  via: VerificationVia;
}): Promise<VerificationResult> {
  const report = await verifyChain({
    database: options.database,
    publicKey: options.key.publicKey,
    keyId: options.key.keyId,
    full: options.full,
    checkpoint: options.checkpoint,
  });
  const verifiedCheckpointSeq = report.ok ? report.lastCheckpointSeq : null;
  await options.audit.inTransaction(options.database.db, options.context, async (tx, record) => {
    if (verifiedCheckpointSeq !== null) {
      await tx
        .update(auditCheckpoints)
        .set({ verifiedAt: new Date(), verifiedBy: options.context.actor?.id ?? null })
        .where(eq(auditCheckpoints.seq, verifiedCheckpointSeq));
    }
    await record([
      {
        action: 'audit.verify',
        entityType: 'audit_log',
        entityId: null,
        outcome: report.ok ? 'success' : 'failure',
        details: {
          via: options.via,
          mode: report.mode,
          fromSeq: report.fromSeq,
          headSeq: report.headSeq,
          checked: report.checked,
          firstBadSeq: report.firstBadSeq,
          problem: report.problem?.kind ?? null,
          externalCheckpointSeq: options.checkpoint?.seq ?? null,
          verifiedCheckpointSeq,
        },
      },
    ]);
  });
  return { ...report, verifiedCheckpointSeq, notChecked: notCheckedBy(report) };
}
