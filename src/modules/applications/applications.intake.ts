import { randomUUID } from 'node:crypto';
import type { AuditTx } from '../audit/audit.writer.js';
import type { ApplicantInput } from './applicant.fields.js';
import { insertCasesBulk, numberCase } from './applications.bulk.js';
import { flagDuplicates } from './applications.duplicates.js';
import type { CaseChannel } from './applications.state.js';

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
 * Creates a case with its applicant inside the caller's (audited) transaction: the case row and the
 * applicant row, then its reference, then its probable duplicates flagged (applications.duplicates.ts).
 * The caller records the audit entry; its answer never depends on the duplicates (no enumeration).
 *
 * Numbering and flagging each take a row lock held until commit (the ministry's counter; the flagging
 * turn, shared by every ministry), and every other write of a case waits on them: they are taken last,
 * after the rows are written, so each is held only for the end of the transaction. `claim` runs
 * before them, once the case exists, for what takes a lock of its own (a registration counting itself
 * on its link): a claim waiting on its lock holds neither the counter nor the turn.
 */
export async function insertCase(
  tx: AuditTx,
  input: {
    ministry: string;
    channel: CaseChannel;
    applicant: ApplicantInput;
    applicantUserId?: string | null;
    consentVersion?: string;
    /** The import batch (`channel: batch_import`). */
    importBatchId?: string;
    claim?: (applicationId: string) => Promise<void>;
  },
): Promise<NewCase> {
  // The case and its applicant as a bulk of one, in one statement, numbered once the locks before it are taken.
  const [created] = await insertCasesBulk(tx, {
    ministry: input.ministry,
    channel: input.channel,
    cases: [input.applicant],
    applicantUserIds: [input.applicantUserId ?? null],
    ...(input.consentVersion ? { consentVersion: input.consentVersion } : {}),
    ...(input.importBatchId ? { importBatchId: input.importBatchId } : {}),
    numberLater: true,
  });
  if (!created) throw new Error('case insert returned nothing');
  await input.claim?.(created.id);
  const reference = await numberCase(tx, input.ministry, created.id);
  // Flaggings take turns until commit (applications.duplicates.ts), so cases written at the same
  // moment see each other.
  const flags = await flagDuplicates(tx, [created.id], { fresh: true });
  return { id: created.id, reference, duplicateCandidates: flags.pairs };
}
