import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, queryRows, type Db } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { applicantInput, type ApplicantInput } from '../../src/modules/applications/applicant.fields.js';
import { applicants, caseReferenceCounters } from '../../src/modules/applications/applicant.table.js';
import { insertCaseTakingTurn, insertCasesBulk } from '../../src/modules/applications/applications.bulk.js';
import { refreshStaleDuplicates, SIMILARITY_THRESHOLD } from '../../src/modules/applications/applications.duplicates.js';
import { insertCase } from '../../src/modules/applications/applications.intake.js';
import { applications, importBatches } from '../../src/modules/applications/applications.table.js';
import type { AuditTx } from '../../src/modules/audit/audit.writer.js';
import { committees } from '../../src/modules/committees/committees.table.js';
import { seedReference } from '../../src/modules/reference/reference.seed.js';
import { bearer, createCommittee, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody, recordedPair } from './helpers.js';

/**
 * insertCasesBulk (src/modules/applications/applications.bulk.ts): many cases in a few statements,
 * references reserved as one block per year under the counter's row lock, columns exactly as a single
 * case stores them.
 */

let t: TestApp;
let db: Db;
const year = new Date().getUTCFullYear();

beforeAll(async () => {
  t = await createTestApp();
  db = t.database.db;
});
afterAll(() => t.close());

function officers(n: number, overrides: Record<string, unknown> = {}): ApplicantInput[] {
  return Array.from({ length: n }, () => applicantInput.parse(applicantBody(overrides)));
}

async function numbersOf(ministry: string, y = year): Promise<number[]> {
  const rows = await db.select({ reference: applications.reference }).from(applications).where(eq(applications.ministry, ministry));
  const prefix = `${ministry === 'interior' ? 'MOI' : 'MOD'}-${y}-`;
  return rows
    .map((r) => r.reference)
    .filter((r) => r.startsWith(prefix))
    .map((r) => Number(r.slice(prefix.length)))
    .sort((a, b) => a - b);
}

async function counter(ministry: string, y = year): Promise<number | undefined> {
  const [row] = await db.select({ last: caseReferenceCounters.last }).from(caseReferenceCounters).where(and(eq(caseReferenceCounters.ministry, ministry), eq(caseReferenceCounters.year, y)));
  return row?.last;
}

const consecutive = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('insertCasesBulk', () => {
  it('stores every column exactly as insertCase does for the same applicant', async () => {
    const body = applicantBody({ email: 'Some.One@Example.ORG', education: { degree: 'bachelor', field: 'Law' } });
    const applicant = applicantInput.parse(body);
    const bare = applicantInput.parse(applicantBody({ fullNameLatin: undefined, motherNameAr: undefined, email: undefined, education: undefined, preferredGovernorates: undefined, phone: undefined }));
    const single = await db.transaction(async (tx) => [
      await insertCase(tx as unknown as AuditTx, { ministry: 'defense', channel: 'walk_in', applicant }),
      await insertCase(tx as unknown as AuditTx, { ministry: 'defense', channel: 'walk_in', applicant: bare }),
    ]);
    const bulk = await db.transaction((tx) => insertCasesBulk(tx, { ministry: 'defense', channel: 'walk_in', cases: [applicant, bare] }));
    const rowsOf = async (ids: string[]) => {
      const rows = await db.select().from(applicants).where(inArray(applicants.applicationId, ids));
      // Everything but the case id and the time of writing.
      return ids.map((id) => ({ ...rows.find((r) => r.applicationId === id)!, applicationId: undefined, updatedAt: undefined }));
    };
    const [fromSingle, fromBulk] = [await rowsOf(single.map((c) => c.id)), await rowsOf(bulk.map((c) => c.id))];
    expect(fromBulk).toEqual(fromSingle);
    expect(fromBulk[0]).toMatchObject({ emailFolded: 'some.one@example.org', educationFieldFolded: 'law', nameLatinFolded: 'muhamad ahmad hamwi' });
    expect(fromBulk[1]).toMatchObject({ preferredGovernorates: [], fullNameLatin: null, educationDegree: null });
    const cases = await db.select().from(applications).where(inArray(applications.id, bulk.map((c) => c.id)));
    expect(cases.map((c) => ({ channel: c.channel, status: c.status, version: c.version, committeeId: c.committeeId, applicantUserId: c.applicantUserId }))).toEqual([
      { channel: 'walk_in', status: 'submitted', version: 1, committeeId: null, applicantUserId: null },
      { channel: 'walk_in', status: 'submitted', version: 1, committeeId: null, applicantUserId: null },
    ]);
  });

  it('answers in input order with consecutive references of one block, and stores committee, account, consent and time per case', async () => {
    const before = (await counter('interior')) ?? 0;
    const committee = await createCommittee(t, { ministry: 'interior' });
    const user = await createUser(t, { role: 'applicant', ministry: 'interior' });
    const cases = officers(5);
    const at = new Date(Date.UTC(year, 0, 15, 10, 30));
    const created = await db.transaction((tx) =>
      insertCasesBulk(tx, {
        ministry: 'interior',
        channel: 'link',
        cases,
        committeeIds: [committee.id, null, committee.id, null, null],
        applicantUserIds: [user.id, null, null, null, null],
        createdAt: cases.map(() => at),
        consentVersion: '2025-01',
      }),
    );
    expect(created.map((c) => c.reference)).toEqual(consecutive(before + 1, 5).map((n) => `MOI-${year}-${String(n).padStart(6, '0')}`));
    expect(await counter('interior')).toBe(before + 5);
    const rows = await db
      .select({ id: applications.id, committeeId: applications.committeeId, userId: applications.applicantUserId, createdAt: applications.createdAt, nationalId: applicants.nationalId, consent: applicants.consentVersion, consentedAt: applicants.consentedAt })
      .from(applications)
      .innerJoin(applicants, eq(applicants.applicationId, applications.id))
      .where(inArray(applications.id, created.map((c) => c.id)));
    const byId = new Map(rows.map((r) => [r.id, r]));
    created.forEach((c, i) => {
      const row = byId.get(c.id)!;
      expect(row.nationalId).toBe(cases[i]!.nationalId);
      expect(row.committeeId).toBe(i === 0 || i === 2 ? committee.id : null);
      expect(row.userId).toBe(i === 0 ? user.id : null);
      expect(row.createdAt.toISOString()).toBe(at.toISOString());
      expect(row).toMatchObject({ consent: '2025-01', consentedAt: at });
    });
  });

  it('keeps every case with its own fields, committee and reference across statements (2,345 cases, three chunks)', async () => {
    const before = (await counter('interior')) ?? 0;
    const committee = await createCommittee(t, { ministry: 'interior' });
    const cases = officers(2_345);
    const committeeIds = cases.map((_, i) => (i % 3 === 0 ? committee.id : null));
    const created = await db.transaction((tx) => insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases, committeeIds }));
    expect(created.map((c) => c.reference)).toEqual(consecutive(before + 1, 2_345).map((n) => `MOI-${year}-${String(n).padStart(6, '0')}`));
    const rows = await db
      .select({ id: applications.id, reference: applications.reference, committeeId: applications.committeeId, nationalId: applicants.nationalId, name: applicants.fullNameAr })
      .from(applications)
      .innerJoin(applicants, eq(applicants.applicationId, applications.id))
      .where(inArray(applications.id, created.map((c) => c.id)));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.size).toBe(2_345);
    const mismatched = created.filter((c, i) => {
      const row = byId.get(c.id);
      return row?.reference !== c.reference || row.nationalId !== cases[i]!.nationalId || row.name !== cases[i]!.fullNameAr || row.committeeId !== committeeIds[i];
    });
    expect(mismatched).toEqual([]);
  });

  it('reserves one block per year of the cases, each without gaps', async () => {
    const last = year - 3;
    const cases = officers(6);
    const createdAt = [last, year - 3, last + 1, year - 3, last + 1, last].map((y) => new Date(Date.UTC(y, 5, 1)));
    const created = await db.transaction((tx) => insertCasesBulk(tx, { ministry: 'defense', channel: 'walk_in', cases, createdAt }));
    expect(created.map((c) => c.reference)).toEqual([
      `MOD-${last}-000001`,
      `MOD-${last}-000002`,
      `MOD-${last + 1}-000001`,
      `MOD-${last}-000003`,
      `MOD-${last + 1}-000002`,
      `MOD-${last}-000004`,
    ]);
    expect(await counter('defense', last)).toBe(4);
    expect(await counter('defense', last + 1)).toBe(2);
  });

  it('gives the whole block back when the transaction rolls back', async () => {
    const before = (await counter('interior')) ?? 0;
    await expect(
      db.transaction(async (tx) => {
        await insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: officers(20) });
        throw new Error('the import failed after its rows');
      }),
    ).rejects.toThrow('the import failed');
    expect(await counter('interior')).toBe(before);
    const [next] = await db.transaction((tx) => insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: officers(1) }));
    expect(next!.reference).toBe(`MOI-${year}-${String(before + 1).padStart(6, '0')}`);
  });

  it('fails whole when a later chunk cannot be built while the one before is being written, and the connection stays usable', async () => {
    const before = (await counter('interior')) ?? 0;
    const cases = officers(1_001);
    const nationalIds = cases.map((c) => c.nationalId!);
    // Case 1,001 (the second chunk, built while the first is inserted) breaks as it is read.
    cases[1_000] = Object.defineProperty({ ...cases[1_000]! }, 'fullNameAr', {
      get() {
        throw new Error('an unreadable applicant');
      },
    });
    await expect(db.transaction((tx) => insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases }))).rejects.toThrow('an unreadable applicant');
    expect(await counter('interior')).toBe(before);
    const [stored] = await db.select({ n: sql<number>`count(*)::int` }).from(applicants).where(inArray(applicants.nationalId, nationalIds));
    expect(stored!.n).toBe(0);
    const [next] = await db.transaction((tx) => insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: officers(1) }));
    expect(next!.reference).toBe(`MOI-${year}-${String(before + 1).padStart(6, '0')}`);
  });

  it('links imported cases to their batch, and the table refuses an import without one', async () => {
    const staff = await createUser(t, { role: 'ministry_staff', ministry: 'defense' });
    const [batch] = await db
      .insert(importBatches)
      .values({ ministry: 'defense', importedBy: staff.id, format: 'csv', rows: 3, duplicatesFlagged: 0, sha256: 'a'.repeat(64) })
      .returning({ id: importBatches.id });
    const created = await db.transaction((tx) => insertCasesBulk(tx, { ministry: 'defense', channel: 'batch_import', importBatchId: batch!.id, cases: officers(3) }));
    const rows = await db.select({ batch: applications.importBatchId, channel: applications.channel }).from(applications).where(inArray(applications.id, created.map((c) => c.id)));
    expect(rows).toEqual(Array.from({ length: 3 }, () => ({ batch: batch!.id, channel: 'batch_import' })));
    const before = await counter('defense');
    await expect(db.transaction((tx) => insertCasesBulk(tx, { ministry: 'defense', channel: 'batch_import', cases: officers(2) }))).rejects.toThrow();
    expect(await counter('defense')).toBe(before);
  });

  it('refuses lists of another length than the cases before touching the database, and does nothing for no cases', async () => {
    const before = await counter('interior');
    await expect(db.transaction((tx) => insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: officers(2), committeeIds: [null] }))).rejects.toThrow(
      'committeeIds has 1 entries for 2 cases',
    );
    expect(await db.transaction((tx) => insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: [] }))).toEqual([]);
    expect(await counter('interior')).toBe(before);
    await expect(db.transaction((tx) => insertCasesBulk(tx, { ministry: 'nowhere', channel: 'walk_in', cases: officers(1) }))).rejects.toThrow();
  });

  it('keeps references unique and gap-free while walk-ins are registered one by one at the same time', async () => {
    const ministry = 'defense';
    const before = (await counter(ministry)) ?? 0;
    const existing = await numbersOf(ministry);
    const staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry }));
    const walkIns = Array.from({ length: 30 }, async () => {
      const res = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(staff), payload: { applicant: applicantBody() } });
      expect(res.statusCode).toBe(201);
      return res.json<{ reference: string }>().reference;
    });
    const bulks = [150, 1, 80, 250].map((n) => db.transaction((tx) => insertCasesBulk(tx, { ministry, channel: 'walk_in', cases: officers(n) })));
    const [singles, blocks] = await Promise.all([Promise.all(walkIns), Promise.all(bulks)]);
    const total = 30 + 150 + 1 + 80 + 250;
    expect(await counter(ministry)).toBe(before + total);
    const references = [...singles, ...blocks.flat().map((c) => c.reference)];
    expect(new Set(references).size).toBe(total);
    expect(await numbersOf(ministry)).toEqual([...existing, ...consecutive(before + 1, total)]);
    // Each call's block is consecutive: nothing else took a number inside it.
    for (const block of blocks) {
      const numbers = block.map((c) => Number(c.reference.slice(-6)));
      expect(numbers).toEqual(consecutive(numbers[0]!, numbers.length));
    }
  });

  it('leaves the similarity threshold of the duplicate rules set for the search that follows the one-statement insert', async () => {
    const threshold = await db.transaction(async (tx) => {
      await tx.execute(sql`set local pg_trgm.similarity_threshold = 0.3`);
      await insertCaseTakingTurn(tx, { ministry: 'defense', channel: 'walk_in', applicant: officers(1)[0]! });
      const [row] = await queryRows<{ value: string }>(tx, sql`select current_setting('pg_trgm.similarity_threshold') as value`);
      return Number(row!.value);
    });
    expect(threshold).toBe(SIMILARITY_THRESHOLD);
  });

  it('numbers a single case (one statement) as a bulk numbers one, past six digits too, on either database', async () => {
    const embedded = createDatabase({ kind: 'pglite-memory' });
    try {
      await migrate(embedded);
      await seedReference(embedded.db);
      for (const target of [db, embedded.db]) {
        const rolledBack = new Error('rolled back');
        let seen: string[] = [];
        await expect(
          target.transaction(async (tx) => {
            await tx.insert(caseReferenceCounters).values({ ministry: 'interior', year, last: 999_998 }).onConflictDoUpdate({
              target: [caseReferenceCounters.ministry, caseReferenceCounters.year],
              set: { last: 999_998 },
            });
            const single = await insertCase(tx as unknown as AuditTx, { ministry: 'interior', channel: 'walk_in', applicant: officers(1)[0]! });
            const [bulk] = await insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: officers(1) });
            const another = await insertCase(tx as unknown as AuditTx, { ministry: 'interior', channel: 'walk_in', applicant: officers(1)[0]! });
            seen = [single.reference, bulk!.reference, another.reference];
            throw rolledBack;
          }),
        ).rejects.toBe(rolledBack);
        expect(seen).toEqual([`MOI-${year}-999999`, `MOI-${year}-1000000`, `MOI-${year}-1000001`]);
      }
      await expect(embedded.db.transaction((tx) => insertCase(tx as unknown as AuditTx, { ministry: 'nowhere', channel: 'walk_in', applicant: officers(1)[0]! }))).rejects.toThrow();
      expect(await queryRows(embedded.db, sql`select 1 from applications`)).toEqual([]);
    } finally {
      await embedded.close();
    }
  });

  it('runs on the embedded database too', async () => {
    const embedded = createDatabase({ kind: 'pglite-memory' });
    try {
      await migrate(embedded);
      await seedReference(embedded.db);
      const [committee] = await embedded.db.insert(committees).values({ ministry: 'interior', name: 'embedded' }).returning({ id: committees.id });
      const cases = officers(300, { preferredGovernorates: ['hama'] });
      const created = await embedded.db.transaction((tx) =>
        insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases, committeeIds: cases.map(() => committee!.id), createdAt: cases.map((_, i) => new Date(Date.UTC(year - (i % 2), 2, 1))) }),
      );
      expect(created).toHaveLength(300);
      const rows = await queryRows<{ year: string; n: string; first: string; last: string; governorates: string[] }>(
        embedded.db,
        sql`select split_part(a.reference, '-', 2) as year, count(*) as n, min(a.reference) as first, max(a.reference) as last, max(p.preferred_governorates) as governorates
            from applications a join applicants p on p.application_id = a.id group by 1 order by 1`,
      );
      expect(rows.map((r) => ({ ...r, n: Number(r.n) }))).toEqual([
        { year: String(year - 1), n: 150, first: `MOI-${year - 1}-000001`, last: `MOI-${year - 1}-000150`, governorates: ['hama'] },
        { year: String(year), n: 150, first: `MOI-${year}-000001`, last: `MOI-${year}-000150`, governorates: ['hama'] },
      ]);
    } finally {
      await embedded.close();
    }
  });
});

describe('cases written to be flagged later (demo data)', () => {
  it('are left for the catch-up, which flags them in chunks, reports its progress and stops when told', async () => {
    const [first] = officers(1);
    // The same officer again, under another service number.
    const twin: ApplicantInput = { ...first!, serviceNumber: 'TWIN0001' };
    const written = await db.transaction((tx) => insertCasesBulk(tx, { ministry: 'defense', channel: 'walk_in', cases: [first!, twin, ...officers(3)], flagLater: true }));
    const ids = written.map((c) => c.id);
    const versions = await db.select({ version: applicants.dedupVersion }).from(applicants).where(inArray(applicants.applicationId, ids));
    expect(versions.map((v) => v.version)).toEqual([0, 0, 0, 0, 0]);
    expect(await recordedPair(db, ids[0]!, ids[1]!)).toBeUndefined();

    // Told to stop before it starts: nothing is done.
    expect(await refreshStaleDuplicates(db, { stop: () => true })).toBe(0);
    const progress: number[] = [];
    let chunks = 0;
    const done = await refreshStaleDuplicates(db, { chunk: 2, onProgress: (n) => progress.push(n), stop: () => chunks++ >= 1 });
    expect(done).toBe(2);
    expect(progress).toEqual([2]);
    expect(await refreshStaleDuplicates(db, { chunk: 2 })).toBeGreaterThanOrEqual(3);
    const after = await db.select({ version: applicants.dedupVersion }).from(applicants).where(inArray(applicants.applicationId, ids));
    expect(after.map((v) => v.version)).toEqual([1, 1, 1, 1, 1]);
    // The same officer twice (one national ID): found as likely once the catch-up ran.
    expect((await recordedPair(db, ids[0]!, ids[1]!))?.grade).toBe('likely');
  });
});
