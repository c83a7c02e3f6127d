import { asc, eq, sql } from 'drizzle-orm';
import type { Actor } from '../../access/actor.js';
import { extendStatementTimeout, type Db } from '../../db/client.js';
import { forbidden } from '../../http/http.errors.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { insertCasesBulk, numberCases } from './applications.bulk.js';
import { candidateCounts, catchUpOutsideTurn, flagSearched, searchDuplicates } from './applications.duplicates.js';
import type { ParsedBatch } from './applications.import.js';
import { CASE_ENTITY } from './applications.state.js';
import { applications, importBatches } from './applications.table.js';

/** How long one statement of an import may run (the request's usual limit is DB_STATEMENT_TIMEOUT_MS). */
export const IMPORT_STATEMENT_TIMEOUT_MS = 120_000;

/**
 * The memory each sort or hash of an import's statements may use before spilling to disk (the server's
 * default is 4 MB): 10,000 rows and their pairs fit. For this transaction only.
 */
export const IMPORT_WORK_MEM = '64MB';

/** What an import answers, and what a replay of it (same Idempotency-Key) answers again. */
export interface ImportResult {
  batchId: string;
  created: number;
  duplicatesFlagged: number;
  sha256: string;
  /** One per row, in the order of the rows. */
  cases: { id: string; reference: string; duplicateCandidates: number }[];
}

/**
 * Imports a validated batch (DESIGN §7), all or nothing, in one audited transaction: the batch row
 * (who, when, how many rows, the file's SHA-256), every case (`channel: batch_import`, linked to the
 * batch, references numbered in row order), the probable duplicates of each (inside the batch and
 * against every earlier case: flagged for the committee, never merged), one `import.batch` entry and
 * one `application.created` entry per case. `complete` stores the Idempotency-Key's outcome in the
 * same transaction.
 */
export async function importBatch(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  actor: Actor;
  context: AuditContext;
  batch: ParsedBatch;
  complete?: (tx: Db, stored: { status: number; outcome: { batchId: string } }) => Promise<void>;
}): Promise<ImportResult> {
  const { actor, batch } = args;
  const ministry = actor.ministry;
  if (actor.role !== 'ministry_staff' || !ministry) throw forbidden();
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    // A batch's statements are far larger than a request's (the duplicate search over 10,000 new
    // cases takes seconds): their own time limit, for this transaction only.
    await extendStatementTimeout(tx, IMPORT_STATEMENT_TIMEOUT_MS);
    // Its joins, sorts and the audit append hold tens of thousands of rows: in memory, not spilled to disk.
    await tx.execute(sql`select set_config('work_mem', ${IMPORT_WORK_MEM}, true)`);
    const [row] = await tx
      .insert(importBatches)
      .values({ ministry, importedBy: actor.id, format: batch.format, rows: batch.rows.length, duplicatesFlagged: 0, sha256: batch.sha256 })
      .returning({ id: importBatches.id });
    if (!row) throw new Error('batch insert returned nothing');
    const batchId = row.id;
    // The search over every case takes seconds for a big batch: it runs before the ministry's counter
    // and the flagging turn are taken (both held until commit, and every registration waits on them),
    // and the turn then catches up with what was written meanwhile.
    const unnumbered = await insertCasesBulk(tx, {
      ministry,
      channel: 'batch_import',
      cases: batch.rows.map((row) => row.applicant),
      importBatchId: batchId,
      numberLater: true,
    });
    // The search, then a catch-up with what was flagged while it ran, both outside the turn: the turn
    // then has only what was flagged during the catch-up to search again.
    const searched = await catchUpOutsideTurn(tx, await searchDuplicates(tx, unnumbered.map((c) => c.id)));
    const created = await numberCases(tx, ministry, unnumbered);
    const { flagged: duplicatesFlagged, candidates: counts } = await flagSearched(tx, searched);
    await tx.update(importBatches).set({ duplicatesFlagged }).where(eq(importBatches.id, batchId));
    await record([
      {
        action: 'import.batch',
        entityType: 'import_batch',
        entityId: batchId,
        ministry,
        details: { rows: batch.rows.length, created: created.length, duplicatesFlagged, sha256: batch.sha256, format: batch.format },
      },
      ...created.map((c) => ({
        action: 'application.created' as const,
        entityType: CASE_ENTITY,
        entityId: c.id,
        caseId: c.id,
        ministry,
        details: { status: 'submitted', channel: 'batch_import', reference: c.reference, batchId, duplicateCandidates: counts.get(c.id) ?? 0 },
      })),
    ]);
    await args.complete?.(tx, { status: 201, outcome: { batchId } });
    return {
      batchId,
      created: created.length,
      duplicatesFlagged,
      sha256: batch.sha256,
      cases: created.map((c) => ({ ...c, duplicateCandidates: counts.get(c.id) ?? 0 })),
    };
  });
}

/** The answer to a repeat of an import that already ran (same Idempotency-Key and bytes), read back from the batch. */
export async function replayImport(db: Db, batchId: string): Promise<ImportResult> {
  const [batch] = await db.select().from(importBatches).where(eq(importBatches.id, batchId));
  if (!batch) throw new Error(`import batch ${batchId} vanished`);
  const cases = await db
    .select({ id: applications.id, reference: applications.reference })
    .from(applications)
    .where(eq(applications.importBatchId, batchId))
    .orderBy(asc(applications.reference));
  const counts = await candidateCounts(db, cases.map((c) => c.id));
  return {
    batchId,
    created: cases.length,
    duplicatesFlagged: batch.duplicatesFlagged,
    sha256: batch.sha256,
    cases: cases.map((c) => ({ ...c, duplicateCandidates: counts.get(c.id) ?? 0 })),
  };
}
