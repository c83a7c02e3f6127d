import { sql } from 'drizzle-orm';
import pg from 'pg';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { applicantInput } from '../../src/modules/applications/applicant.fields.js';
import { insertCasesBulk, numberCases } from '../../src/modules/applications/applications.bulk.js';
import { catchUpOutsideTurn, flagSearched, pruneFlagLog, searchDuplicates } from '../../src/modules/applications/applications.duplicates.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { waitFor } from '../wait.js';
import { applicantBody, distinctNames, recordedCandidates } from './helpers.js';

/**
 * A batch import searches for duplicates before it takes the ministry's reference counter and the
 * flagging turn (applications.batch.ts), so registrations are not held up by its search; the turn then
 * catches up with the cases flagged meanwhile. Needs a second connection to hold the counter (server runs).
 */
let t: TestApp;
let staff: string;
let defenseStaff: string;
let defenseMember: string;
beforeAll(async () => {
  // A short inactivity limit for connections (REQUEST_TIMEOUT_MS + 5 s): an import outlasts it.
  t = await createTestApp({ REQUEST_TIMEOUT_MS: '2000' });
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
  defenseStaff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
  defenseMember = await tokenFor(t, await createUser(t, { role: 'committee_member', ministry: 'defense' }));
});
afterAll(() => t.close());


function officer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return applicantBody({ ...distinctNames(), email: `o.${randomInt(1e9)}@example.org`, ...overrides });
}

async function walkIn(token: string, applicant: Record<string, unknown>): Promise<{ id: string; reference: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(token), payload: { applicant } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe.skipIf(!inject('testServerUrl'))('an import beside registrations', () => {
  it('holds neither the counter nor the turn while it searches, and its turn finds a case committed meanwhile', async () => {
    // An interior case first: the counter row exists, and the batch's numbers follow it.
    const earlier = await walkIn(staff, officer());
    const [prefix, year, number] = earlier.reference.split('-') as [string, string, string];

    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    let released = false;
    try {
      // Another transaction holds the interior counter: the import can search, but not number its cases.
      await holder.query('begin');
      await holder.query(`select last from case_reference_counters where ministry = 'interior' and year = $1 for update`, [Number(year)]);

      const namesake = officer({ birthDate: '1979-03-21' });
      const batch = [officer(), { ...namesake, nationalId: String(randomInt(10_000_000_000, 99_999_999_999)), serviceNumber: undefined }, officer()];
      let settled = false;
      const importing = t.app
        .inject({ method: 'POST', url: '/applications/import', headers: { ...bearer(staff), 'content-type': 'application/json' }, payload: JSON.stringify(batch) })
        .finally(() => (settled = true));
      const waiting = async () => {
        const { rows } = await holder.query<{ n: string }>(
          "select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        );
        return Number(rows[0]!.n) >= 1;
      };
      // The import has searched and now waits for the counter.
      expect(await waitFor(waiting, 10_000)).toBe(true);
      expect(settled).toBe(false);

      // Meanwhile the same officer is entered at the defense ministry: not held up by the import (the
      // flagging turn is free), and it cannot see the import's uncommitted cases, nor the import it.
      const defense = await walkIn(defenseStaff, { ...namesake, nationalId: String(randomInt(10_000_000_000, 99_999_999_999)), serviceNumber: undefined });
      expect(settled).toBe(false);

      await holder.query('rollback');
      released = true;
      const res = await importing;
      expect(res.statusCode, res.body).toBe(201);
      const imported = res.json<{ duplicatesFlagged: number; cases: { id: string; reference: string; duplicateCandidates: number }[] }>();
      // Numbered in row order, right after the case before, once the counter was free.
      expect(imported.cases.map((c) => c.reference)).toEqual([1, 2, 3].map((k) => `${prefix}-${year}-${String(Number(number) + k).padStart(6, '0')}`));
      expect(imported.cases.map((c) => c.duplicateCandidates)).toEqual([0, 1, 0]);
      expect(imported.duplicatesFlagged).toBe(1);

      // The pair is recorded, once, as if the two had been written one after the other.
      const pairs = await queryRows<{ application_id: string; candidate_id: string; grade: string }>(
        t.database.db,
        sql`select application_id, candidate_id, grade from duplicate_candidates
            where ${imported.cases[1]!.id}::uuid in (application_id, candidate_id) or ${defense.id}::uuid in (application_id, candidate_id)`,
      );
      const [low, high] = [imported.cases[1]!.id, defense.id].sort();
      expect(pairs).toEqual([{ application_id: low, candidate_id: high, grade: 'likely' }]);
      const shown = await t.app.inject({ method: 'GET', url: `/applications/${imported.cases[1]!.id}/duplicates`, headers: bearer(staff) });
      expect(shown.json<{ items: { ministry: string; grade: string }[] }>().items).toEqual([expect.objectContaining({ ministry: 'defense', grade: 'likely' })]);
    } finally {
      if (!released) await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
  });
});

describe.skipIf(!inject('testServerUrl'))('an import beside a correction', () => {
  it('drops a pair its search found when the other case was corrected while the import waited', async () => {
    const namesake = officer({ birthDate: '1981-11-02' });
    const other = await walkIn(defenseStaff, { ...namesake, nationalId: String(randomInt(10_000_000_000, 99_999_999_999)), serviceNumber: undefined });
    await walkIn(staff, officer());
    const year = new Date().getUTCFullYear();
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    let released = false;
    try {
      await holder.query('begin');
      await holder.query(`select last from case_reference_counters where ministry = 'interior' and year = $1 for update`, [year]);
      const batch = [{ ...namesake, nationalId: String(randomInt(10_000_000_000, 99_999_999_999)), serviceNumber: undefined }];
      const importing = t.app.inject({ method: 'POST', url: '/applications/import', headers: { ...bearer(staff), 'content-type': 'application/json' }, payload: JSON.stringify(batch) });
      const waiting = async () => {
        const { rows } = await holder.query<{ n: string }>(
          "select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        );
        return Number(rows[0]!.n) >= 1;
      };
      expect(await waitFor(waiting, 10_000)).toBe(true);
      // The import's search found the pair; the other case's name is corrected before the import commits.
      const corrected = await t.app.inject({
        method: 'PATCH',
        url: `/applications/${other.id}`,
        headers: { ...bearer(defenseMember), 'if-match': '"1"' },
        payload: { applicant: { fullNameAr: distinctNames().fullNameAr, fullNameLatin: distinctNames().fullNameLatin } },
      });
      expect(corrected.statusCode, corrected.body).toBe(200);

      await holder.query('rollback');
      released = true;
      const res = await importing;
      expect(res.statusCode, res.body).toBe(201);
      const imported = res.json<{ duplicatesFlagged: number; cases: { id: string; duplicateCandidates: number }[] }>();
      expect(imported.cases[0]!.duplicateCandidates).toBe(0);
      expect(imported.duplicatesFlagged).toBe(0);
      const pairs = await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from duplicate_candidates where ${imported.cases[0]!.id}::uuid in (application_id, candidate_id)`,
      );
      expect(pairs[0]!.n).toBe(0);
    } finally {
      if (!released) await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
  });
});

describe.skipIf(!inject('testServerUrl'))('an import on a real connection', () => {
  it('is answered even when it works longer than a connection may stay silent', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address() as { port: number };
    await walkIn(staff, officer());
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query(`select last from case_reference_counters where ministry = 'interior' and year = $1 for update`, [new Date().getUTCFullYear()]);
      const importing = fetch(`http://127.0.0.1:${address.port}/applications/import`, {
        method: 'POST',
        headers: { ...bearer(staff), 'content-type': 'application/json' },
        body: JSON.stringify([officer()]),
      });
      // The import waits on the counter past the connection's 7 s limit of silence.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      await holder.query('rollback');
      const res = await importing;
      expect(res.status).toBe(201);
      expect(((await res.json()) as { created: number }).created).toBe(1);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
  });
});

describe.skipIf(!inject('testServerUrl'))('an import’s catch-up outside the turn', () => {
  it('finds a case committed while it searched, before it takes the turn, and leaves the turn nothing to search', async () => {
    const namesake = officer({ birthDate: '1976-08-30' });
    await t.database.db.transaction(async (tx) => {
      const applicant = applicantInput.parse({ ...namesake, nationalId: String(randomInt(10_000_000_000, 99_999_999_999)) });
      const [mine] = await insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: [applicant], numberLater: true });
      const searched = await searchDuplicates(tx, [mine!.id]);
      expect(searched.pairs).toEqual([]);
      // Committed meanwhile: its own search cannot see the uncommitted case, nor the search it.
      const other = await walkIn(defenseStaff, { ...namesake, nationalId: String(randomInt(10_000_000_000, 99_999_999_999)), serviceNumber: undefined });
      const caught = await catchUpOutsideTurn(tx, searched);
      expect(caught.since).toBeGreaterThan(searched.since);
      expect(caught.pairs).toEqual([expect.objectContaining({ grade: 'likely', x: [mine!.id, other.id].sort()[0], y: [mine!.id, other.id].sort()[1] })]);
      const stored = await recordedCandidates(tx, mine!.id);
      expect(stored.map((r) => r.candidateId)).toEqual([other.id]);
      await numberCases(tx, 'interior', [mine!]);
      expect(await flagSearched(tx, caught)).toEqual({ flagged: 1, pairs: 1, candidates: new Map([[mine!.id, 1]]) });
    });
  });
});

describe('numberCases', () => {
  it('refuses a case already numbered or of another ministry, and numbers nothing then', async () => {
    const applicant = () => applicantInput.parse(officer());
    const outcome = await t.database.db
      .transaction(async (tx) => {
        const unnumbered = await insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: [applicant(), applicant()], numberLater: true });
        const [numbered] = await insertCasesBulk(tx, { ministry: 'interior', channel: 'walk_in', cases: [applicant()] });
        await expect(numberCases(tx, 'interior', [unnumbered[0]!, numbered!])).rejects.toThrow(/1 of the cases are not unnumbered cases of interior/);
        await expect(numberCases(tx, 'defense', unnumbered)).rejects.toThrow(/2 of the cases are not unnumbered cases of defense/);
        const still = await queryRows<{ reference: string }>(tx, sql`select reference from applications where id = any(${`{${unnumbered.map((c) => c.id).join(',')}}`}::uuid[])`);
        expect(still.every((row) => row.reference.startsWith('unnumbered:'))).toBe(true);
        const done = await numberCases(tx, 'interior', unnumbered);
        expect(done).toHaveLength(2);
        for (const c of done) expect(c.reference).toMatch(/^MOI-\d{4}-\d{6}$/);
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    expect(outcome).toBe('roll back');
  });
});

describe('the flagging turns’ log', () => {
  it('keeps the turns’ log for the searches that may still need it, and prunes what is older', async () => {
    const c = await walkIn(staff, officer());
    const [logged] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from duplicate_flag_log where ${c.id}::uuid = any(application_ids)`);
    expect(logged!.n).toBe(1);
    await t.database.db.execute(sql`update duplicate_flag_log set at = now() - interval '2 hours' where ${c.id}::uuid = any(application_ids)`);
    expect(await pruneFlagLog(t.database.db)).toBeGreaterThanOrEqual(1);
    const [left] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from duplicate_flag_log where ${c.id}::uuid = any(application_ids)`);
    expect(left!.n).toBe(0);
    const recent = await walkIn(staff, officer());
    expect(await pruneFlagLog(t.database.db)).toBe(0);
    const [kept] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from duplicate_flag_log where ${recent.id}::uuid = any(application_ids)`);
    expect(kept!.n).toBe(1);
  });
});
