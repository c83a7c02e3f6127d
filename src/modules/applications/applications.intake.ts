import { randomUUID } from 'node:crypto';
import type { AuditTx } from '../audit/audit.writer.js';
import { insertCaseTakingTurn, type OneCase } from './applications.bulk.js';
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
 */
export async function insertCase(tx: AuditTx, input: OneCase): Promise<NewCase> {
  // Numbered and written in one statement, which takes the flagging turn last; flaggings take turns
  // until commit (applications.duplicates.ts), so cases written at the same moment see each other.
  const created = await insertCaseTakingTurn(tx, input);
  const flags = await flagDuplicates(tx, [created.id], { fresh: true, turnTaken: true });
  return { id: created.id, reference: created.reference, duplicateCandidates: flags.pairs };
}
