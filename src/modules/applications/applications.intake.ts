import { randomUUID } from 'node:crypto';
import type { AuditTx } from '../audit/audit.writer.js';
import { insertCaseTakingTurn, type CaseVia, type OneCase } from './applications.bulk.js';

export { caseStatement } from './applications.bulk.js';
import { flagDuplicates } from './applications.duplicates.js';

/**
 * The login email of an applicant account: generated, never shown. Officers sign in with their case
 * reference; the email they give is a contact, kept with the case, and need not be unique.
 */
export function applicantLogin(): string {
  return `applicant-${randomUUID()}@applicants.invalid`;
}

export interface NewCase {
  id: string;
  reference: string;
  /** How many cases are probable duplicates of this one (recorded in duplicate_candidates). */
  duplicateCandidates: number;
}

/**
 * Creates a case with its applicant inside the caller's (audited) transaction: the reference, the
 * case row, the applicant row and its probable duplicates flagged (applications.duplicates.ts). The
 * caller records the audit entry; its answer never depends on the duplicates (no enumeration).
 * With `via` (a `caseStatement` of the caller's and its values), the caller's own parts run in the
 * same statement: `row` is what it returned; undefined when its gate let no case be written.
 */
export async function insertCase(tx: AuditTx, input: OneCase): Promise<NewCase>;
export async function insertCase<Row>(tx: AuditTx, input: OneCase, via: CaseVia<Row>): Promise<(NewCase & { row: Row }) | undefined>;
export async function insertCase<Row>(tx: AuditTx, input: OneCase, via?: CaseVia<Row>): Promise<(NewCase & { row?: Row }) | undefined> {
  // Numbered and written in one statement, which takes the flagging turn last; flaggings take turns
  // until commit (applications.duplicates.ts), so cases written at the same moment see each other.
  const flagged = async (id: string) => (await flagDuplicates(tx, [id], { fresh: true, turnTaken: true })).pairs;
  if (!via) {
    const created = await insertCaseTakingTurn(tx, input);
    return { id: created.id, reference: created.reference, duplicateCandidates: await flagged(created.id) };
  }
  const created = await insertCaseTakingTurn(tx, input, via);
  if (!created) return undefined;
  return { id: created.id, reference: created.reference, duplicateCandidates: await flagged(created.id), row: created.row };
}
