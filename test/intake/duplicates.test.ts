import { randomInt, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as seeds from '../../seeds/reference.js';
import { queryRows } from '../../src/db/client.js';
import { applicantInput } from '../../src/modules/applications/applicant.fields.js';
import { applicants } from '../../src/modules/applications/applicant.table.js';
import { flagDuplicates, findDuplicates, NAME_CANDIDATES_PER_CASE, SEARCH_IN_MEMORY_FROM, refreshStaleDuplicates } from '../../src/modules/applications/applications.duplicates.js';
import { applicantColumns } from '../../src/modules/applications/applications.columns.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody, distinctNames, recordedCandidates } from './helpers.js';

/** Intake II: duplicate detection (DESIGN §7), through HTTP into PostgreSQL. */

interface Evidence {
  field: string;
  how: string;
  similarity?: number;
}
interface Item {
  visible: boolean;
  id?: string;
  reference?: string;
  ministry: string;
  status?: string;
  grade: 'likely' | 'possible';
  evidence: Evidence[];
  fullNameAr?: string;
  fullNameLatin?: string | null;
  birthDate?: string;
}

let t: TestApp;
let staff: string;
let member: string;
let defenseStaff: string;
let auditor: string;
let interiorAuditor: string;
let linkToken: string;
let address = 0;

beforeAll(async () => {
  t = await createTestApp({ REGISTER_ADDRESS_MAX: '1000' });
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
  member = await tokenFor(t, await createUser(t, { role: 'committee_member', ministry: 'interior' }));
  defenseStaff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
  auditor = await tokenFor(t, await createUser(t, { role: 'auditor' }));
  interiorAuditor = await tokenFor(t, await createUser(t, { role: 'auditor', ministry: 'interior' }));
  linkToken = (await t.app.inject({ method: 'POST', url: '/registration-links', headers: bearer(staff), payload: { label: 'dups' } })).json<{ token: string }>().token;
});
afterAll(() => t.close());

/** A random word of Arabic letters: makes a name nobody else in this file has. */
function word(): string {
  return distinctNames().fullNameAr.split(' ')[0]!;
}

/** A birth date for a test (the names keep tests apart; the dates only need to be valid ages). */
let births = 0;
function birth(monthDay = '05-14'): string {
  births += 1;
  return `${1954 + ((births * 2) % 50)}-${monthDay}`;
}

/**
 * A case written straight into the tables, flagged by nobody (as a bulk insert leaves it before its
 * flagging, or as an earlier version stored it): an interior walk-in, with `applicant` over a minimal row.
 */
async function unflaggedCase(applicant: Partial<Omit<typeof applicants.$inferInsert, 'applicationId'>> = {}): Promise<string> {
  const [row] = await t.database.db
    .insert(applications)
    .values({ reference: `MOI-UNFLAGGED-${randomUUID()}`, ministry: 'interior', channel: 'walk_in' })
    .returning({ id: applications.id });
  await t.database.db.insert(applicants).values({
    fullNameAr: 'غير معروف',
    nameArFolded: 'غير معروف',
    birthDate: '1970-01-01',
    sex: 'male',
    branch: 'army',
    rank: 'captain',
    specializations: ['infantry'],
    separationKind: 'defected',
    ...applicant,
    applicationId: row!.id,
  });
  return row!.id;
}

async function walkIn(overrides: Record<string, unknown>, token = staff): Promise<{ id: string; reference: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(token), payload: { applicant: applicantBody({ ...distinctNames(), email: `w.${randomInt(1e9)}@example.org`, ...overrides }) } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function register(overrides: Record<string, unknown>): Promise<{ applicationId: string; accessToken: string }> {
  address += 1;
  const res = await t.app.inject({
    method: 'POST',
    url: `/register/${linkToken}`,
    remoteAddress: `10.44.${Math.floor(address / 250)}.${(address % 250) + 1}`,
    payload: {
      ...applicantBody({ ...distinctNames(), email: `dup.${address}.${randomInt(1e9)}@example.org`, ...overrides }),
      password: 'a long enough passphrase 7',
      consent: { accepted: true, textVersion: seeds.consentTexts.at(-1)!.version },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

function duplicatesOf(id: string, token = staff) {
  return t.app.inject({ method: 'GET', url: `/applications/${id}/duplicates`, headers: bearer(token) });
}

async function itemsOf(id: string, token = staff): Promise<Item[]> {
  const res = await duplicatesOf(id, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Item[] }>().items;
}

function stored(id: string) {
  return recordedCandidates(t.database.db, id);
}

describe('the rules of DESIGN §7', () => {
  it.each([
    ['alef forms', 'أحمد إبراهيم آدم', 'احمد ابراهيم ادم'],
    ['ta marbuta', 'حمزة أسامة', 'حمزه اسامه'],
    ['alef maqsura', 'مصطفى يحيى', 'مصطفي يحيي'],
    ['hamza seats', 'مؤمن هانئ', 'مومن هاني'],
    ['Persian letters', 'یوسف کمال', 'يوسف كمال'],
    ['diacritics', 'مُحَمَّد سَعِيد', 'محمد سعيد'],
    ['tatweel', 'مـحـمـد سـعـيـد', 'محمد سعيد'],
    ['spaces', 'محمد    سعيد', 'محمد سعيد'],
    ['the article', 'محمّد الحسن', 'محمد حسن'],
  ])('%s: the same name and birth date is likely', async (_rule, spelled, respelled) => {
    const surname = word();
    const born = birth();
    const first = await walkIn({ fullNameAr: `${spelled} ${surname}`, birthDate: born });
    const second = await walkIn({ fullNameAr: `${respelled} ${surname}`, birthDate: born });
    const items = await itemsOf(second.id);
    expect(items).toEqual([
      expect.objectContaining({
        visible: true,
        id: first.id,
        reference: first.reference,
        grade: 'likely',
        evidence: [
          { field: 'fullNameAr', how: 'equal' },
          { field: 'birthDate', how: 'equal' },
        ],
      }),
    ]);
  });

  it.each([
    ['Mohamed El-Hassan', 'Muhammad al Hasan'],
    ['Mohammed Ahmad', 'Mohammad Ahmad'],
    ['Youssef Nour', 'Yusef Nur'],
    ['Saeed Abbas', 'Said Abas'],
    ['Omar al-Shami', 'OMAR ash-Shami'],
  ])('Latin %s ~ %s with birth dates within a year is possible', async (spelled, respelled) => {
    const tail = distinctNames().fullNameLatin.split(' ')[0]!;
    const born = birth('01-10');
    const first = await walkIn({ fullNameLatin: `${spelled} ${tail}`, birthDate: born });
    const second = await walkIn({ fullNameLatin: `${respelled} ${tail}`, birthDate: `${born.slice(0, 4)}-11-30` });
    expect(await itemsOf(second.id)).toEqual([
      expect.objectContaining({
        id: first.id,
        grade: 'possible',
        evidence: [
          { field: 'fullNameLatin', how: 'equal' },
          { field: 'birthDate', how: 'within_one_year' },
        ],
      }),
    ]);
  });

  it('the same national ID, or the same service number, is likely whatever the names and birth dates', async () => {
    const first = await walkIn({ birthDate: birth() });
    const [row] = await t.database.db.select().from(applicants).where(eq(applicants.applicationId, first.id));
    const byId = await walkIn({ birthDate: birth(), nationalId: row!.nationalId });
    const byNumber = await walkIn({ birthDate: birth(), serviceNumber: row!.serviceNumber });
    expect(await itemsOf(byId.id)).toEqual([expect.objectContaining({ id: first.id, grade: 'likely', evidence: [{ field: 'nationalId', how: 'equal' }] })]);
    expect(await itemsOf(byNumber.id)).toEqual([expect.objectContaining({ id: first.id, grade: 'likely', evidence: [{ field: 'serviceNumber', how: 'equal' }] })]);
    // Later cases show on the earlier one, likely first.
    expect((await itemsOf(first.id)).map((i) => i.id).sort()).toEqual([byId.id, byNumber.id].sort());
  });

  it('a similar Arabic name within a year is possible, with the similarity; two years apart it is nothing', async () => {
    const base = `${word()} ${word()} ${word()}`;
    const born = birth('03-01');
    const first = await walkIn({ fullNameAr: `${base} زيدان`, birthDate: born });
    const near = await walkIn({ fullNameAr: `${base} زيدون`, birthDate: `${Number(born.slice(0, 4)) + 1}-02-28` });
    const items = await itemsOf(near.id);
    expect(items).toEqual([expect.objectContaining({ id: first.id, grade: 'possible' })]);
    const [name, born_] = items[0]!.evidence;
    expect(name).toMatchObject({ field: 'fullNameAr', how: 'similar' });
    expect(name!.similarity).toBeGreaterThanOrEqual(0.6);
    expect(name!.similarity).toBeLessThan(1);
    expect(born_).toEqual({ field: 'birthDate', how: 'within_one_year' });

    const far = await walkIn({ fullNameAr: `${base} زيدين`, birthDate: `${Number(born.slice(0, 4)) - 2}-03-01` });
    expect(await itemsOf(far.id)).toEqual([]);
    expect(await stored(far.id)).toEqual([]);
  });

  it('an equal name with birth dates a year and a day apart is possible only through the similarity rule, not likely', async () => {
    const name = `${word()} ${word()}`;
    const first = await walkIn({ fullNameAr: name, birthDate: '1990-01-01' });
    const second = await walkIn({ fullNameAr: name, birthDate: '1990-12-31' });
    const third = await walkIn({ fullNameAr: name, birthDate: '1991-01-02' });
    expect(await itemsOf(second.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: first.id, grade: 'possible', evidence: [{ field: 'fullNameAr', how: 'equal' }, { field: 'birthDate', how: 'within_one_year' }] })]),
    );
    expect((await itemsOf(third.id)).map((i) => i.id)).toEqual([second.id]);
  });

  it('names that fold to nothing (an article alone) match nothing', async () => {
    const born = birth();
    await walkIn({ fullNameLatin: 'Al', birthDate: born });
    const second = await walkIn({ fullNameLatin: 'El', birthDate: born });
    expect(await itemsOf(second.id)).toEqual([]);
    expect(await stored(second.id)).toEqual([]);
  });

  it('an equal email alone is no candidate; beside a graded match it is evidence', async () => {
    const email = `shared.${randomInt(1e9)}@example.org`;
    const first = await walkIn({ birthDate: birth(), email });
    const other = await walkIn({ birthDate: birth(), email });
    expect(await itemsOf(other.id)).toEqual([]);
    expect(await stored(other.id)).toEqual([]);
    const [row] = await t.database.db.select().from(applicants).where(eq(applicants.applicationId, first.id));
    const same = await walkIn({ birthDate: birth(), email: email.toUpperCase(), nationalId: row!.nationalId });
    expect((await itemsOf(same.id)).find((i) => i.id === first.id)?.evidence).toEqual([
      { field: 'nationalId', how: 'equal' },
      { field: 'email', how: 'equal' },
    ]);
  });
});

describe('flagging at write time', () => {
  it('finds a differently spelled registration of the same officer from the staff side, both ways', async () => {
    const surname = word();
    const born = birth();
    const walked = await walkIn({ fullNameAr: `محمّد الحسن ${surname}`, fullNameLatin: 'Mohamed El-Hassan', birthDate: born });
    const registered = await register({ fullNameAr: `محمد حسن ${surname}`, fullNameLatin: 'Muhammad al Hasan', birthDate: born });
    const items = await itemsOf(registered.applicationId);
    expect(items).toEqual([
      expect.objectContaining({
        visible: true,
        id: walked.id,
        grade: 'likely',
        evidence: [
          { field: 'fullNameAr', how: 'equal' },
          { field: 'fullNameLatin', how: 'equal' },
          { field: 'birthDate', how: 'equal' },
        ],
        fullNameAr: `محمّد الحسن ${surname}`,
        fullNameLatin: 'Mohamed El-Hassan',
        birthDate: born,
        status: 'submitted',
      }),
    ]);
    expect((await itemsOf(walked.id)).map((i) => i.id)).toEqual([registered.applicationId]);
    // Recorded both ways at write time, and counted in the registration's audit entry.
    expect(await stored(registered.applicationId)).toEqual([expect.objectContaining({ candidateId: walked.id, grade: 'likely' })]);
    expect(await stored(walked.id)).toEqual([expect.objectContaining({ candidateId: registered.applicationId, grade: 'likely' })]);
    const [entry] = await t.database.db
      .select({ canonical: auditLog.canonical })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'application.registered'), eq(auditLog.entityId, registered.applicationId)));
    expect(JSON.parse(entry!.canonical)).toMatchObject({ details: { duplicateCandidates: 1 } });
  });

  it('flags a walk-in and counts its candidates in application.created', async () => {
    const name = `${word()} ${word()} ${word()}`;
    const born = birth();
    const first = await walkIn({ fullNameAr: name, birthDate: born });
    const second = await walkIn({ fullNameAr: name, birthDate: born });
    const third = await walkIn({ fullNameAr: name, birthDate: born });
    expect((await stored(third.id)).map((r) => r.candidateId).sort()).toEqual([first.id, second.id].sort());
    const entries = await queryRows<{ canonical: string }>(
      t.database.db,
      sql`select canonical from audit_log where action = 'application.created' and entity_id in (${first.id}, ${second.id}, ${third.id}) order by seq`,
    );
    expect(entries.map((e) => (JSON.parse(e.canonical) as { details: { duplicateCandidates: number } }).details.duplicateCandidates)).toEqual([0, 1, 2]);
  });

  it('the same officer written at the same moment in both ministries: every case finds the others', async () => {
    const surname = word();
    const born = birth();
    const same = { fullNameAr: `خالد عمر ${surname}`, birthDate: born };
    const [a, b, c] = await Promise.all([register(same), register(same), walkIn(same, defenseStaff)]);
    const ids = [a.applicationId, b.applicationId, c.id];
    for (const id of ids) {
      expect((await stored(id)).map((r) => r.candidateId).sort()).toEqual(ids.filter((other) => other !== id).sort());
    }
  });

  it('a correction of the name changes the result at once, and the recorded pairs with it', async () => {
    const surname = word();
    const born = birth();
    const earlier = await walkIn({ fullNameAr: `سامر نبيل ${surname}`, birthDate: born });
    const me = await register({ fullNameAr: `سامر نبيل ${surname}`, birthDate: born });
    expect((await itemsOf(me.applicationId)).map((i) => i.id)).toEqual([earlier.id]);
    const corrected = await t.app.inject({
      method: 'PATCH',
      url: `/applications/${me.applicationId}`,
      headers: { ...bearer(me.accessToken), 'if-match': '"1"' },
      payload: { applicant: { fullNameAr: `${word()} ${word()} ${word()}` } },
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect(await itemsOf(me.applicationId)).toEqual([]);
    expect(await itemsOf(earlier.id)).toEqual([]);
    expect(await stored(me.applicationId)).toEqual([]);
    expect(await stored(earlier.id)).toEqual([]);
    // A correction toward another case flags it.
    const back = await t.app.inject({
      method: 'PATCH',
      url: `/applications/${me.applicationId}`,
      headers: { ...bearer(member), 'if-match': '"2"' },
      payload: { applicant: { fullNameAr: `سامر نبيل ${surname}` } },
    });
    expect(back.statusCode, back.body).toBe(200);
    expect(await stored(earlier.id)).toEqual([expect.objectContaining({ candidateId: me.applicationId, grade: 'likely' })]);
  });

  it('flagDuplicates on a batch flags the pairs inside the batch and with earlier cases, in a handful of statements', async () => {
    const name = `${word()} ${word()} ${word()}`;
    const born = birth();
    const earlier = await walkIn({ fullNameAr: name, birthDate: born });
    // Cases written without flags, as a bulk insert does before flagging them all at once.
    const other = `${word()} ${word()}`;
    const bodies = [
      { fullNameAr: name, birthDate: born },
      { fullNameAr: name, birthDate: born },
      { fullNameAr: other, birthDate: born },
      { fullNameAr: other, birthDate: born },
      { fullNameAr: `${word()} ${word()}`, birthDate: born },
    ];
    const ids: string[] = [];
    for (const body of bodies) {
      const input = applicantInput.parse(applicantBody({ ...distinctNames(), ...body }));
      ids.push(await unflaggedCase(applicantColumns(input)));
    }
    const [a, b, c, d, lone] = ids as [string, string, string, string, string];
    const result = await t.database.db.transaction((tx) => flagDuplicates(tx, ids));
    expect(result).toEqual({ flagged: 4, pairs: 4 });
    expect((await stored(a)).map((r) => r.candidateId).sort()).toEqual([earlier.id, b].sort());
    expect((await stored(b)).map((r) => r.candidateId).sort()).toEqual([earlier.id, a].sort());
    expect((await stored(c)).map((r) => r.candidateId)).toEqual([d]);
    expect((await stored(d)).map((r) => r.candidateId)).toEqual([c]);
    expect(await stored(lone)).toEqual([]);
    expect((await stored(earlier.id)).map((r) => r.candidateId).sort()).toEqual([a, b].sort());
    // Flagging again changes nothing.
    expect(await t.database.db.transaction((tx) => flagDuplicates(tx, ids))).toEqual({ flagged: 4, pairs: 4 });
    expect(await stored(a)).toHaveLength(2);
  });

  it('a batch big enough to be searched in memory finds its pairs, by ID and by name', async () => {
    const rows = Array.from({ length: SEARCH_IN_MEMORY_FROM }, () => ({ id: randomUUID(), name: `${word()} ${word()} ${word()}`, born: birth() }));
    // The second and the one before the last: one name a letter apart, one birth date.
    rows[rows.length - 2] = { ...rows.at(-2)!, name: `${rows[1]!.name.slice(0, -1)}ث`, born: rows[1]!.born };
    await t.database.db.insert(applications).values(rows.map((r) => ({ id: r.id, reference: `MOI-UNFLAGGED-${r.id}`, ministry: 'interior', channel: 'walk_in' as const })));
    const sharedId = String(randomInt(10_000_000_000, 99_999_999_999));
    await t.database.db.insert(applicants).values(
      rows.map((r, i) => ({
        applicationId: r.id,
        fullNameAr: r.name,
        nameArFolded: r.name,
        birthDate: r.born,
        sex: 'male' as const,
        branch: 'army',
        rank: 'captain',
        specializations: ['infantry'],
        separationKind: 'defected',
        // The first and the last share a national ID: one likely pair, found whatever the names.
        nationalId: i === 0 || i === rows.length - 1 ? sharedId : null,
      })),
    );
    await t.database.db.transaction((tx) =>
      flagDuplicates(
        tx,
        rows.map((r) => r.id),
        { fresh: true },
      ),
    );
    const found = await findDuplicates(t.database.db, rows[0]!.id);
    expect(found.find((d) => d.candidateId === rows.at(-1)!.id)?.grade).toBe('likely');
    const similar = await findDuplicates(t.database.db, rows[1]!.id);
    const pair = similar.find((d) => d.candidateId === rows.at(-2)!.id);
    expect(pair?.grade).toBe('possible');
    expect(pair?.evidence.map((e) => `${e.field} ${e.how}`)).toEqual(['fullNameAr similar', 'birthDate equal']);
  });

  it('a flood of one name in one birth window is bounded per case', async () => {
    const name = `${word()} ${word()}`;
    const born = birth();
    const ids: string[] = [];
    for (let i = 0; i < NAME_CANDIDATES_PER_CASE + 20; i++) {
      ids.push(await unflaggedCase({ fullNameAr: name, nameArFolded: name, birthDate: born, nationalId: String(randomInt(10_000_000_000, 99_999_999_999)) }));
    }
    await t.database.db.transaction((tx) => flagDuplicates(tx, ids));
    const found = await findDuplicates(t.database.db, ids[0]!);
    expect(found).toHaveLength(NAME_CANDIDATES_PER_CASE);
    expect(found.every((d) => d.grade === 'likely')).toBe(true);
  });

  it('start-up folds and flags again the cases written under older rules', async () => {
    const surname = word();
    const born = birth();
    const current = await walkIn({ fullNameAr: `أسامة ${surname}`, fullNameLatin: 'Oussama Haddad', birthDate: born });
    // As an earlier version stored it: folded otherwise, unflagged.
    const old = await unflaggedCase({
      fullNameAr: `اسامه ${surname}`,
      nameArFolded: 'stale',
      fullNameLatin: 'Usama Hadad',
      nameLatinFolded: 'stale',
      birthDate: born,
      serviceNumber: `OLD${randomInt(1e11, 1e12 - 1)}`,
      dedupVersion: 0,
    });
    expect(await stored(old)).toEqual([]);
    expect(await refreshStaleDuplicates(t.database.db)).toBeGreaterThanOrEqual(1);
    const [row] = await t.database.db.select().from(applicants).where(eq(applicants.applicationId, old));
    expect(row).toMatchObject({ nameArFolded: `اسامه ${surname}`, nameLatinFolded: 'usama hadad', dedupVersion: 1 });
    expect(await stored(old)).toEqual([expect.objectContaining({ candidateId: current.id, grade: 'likely' })]);
    expect(await refreshStaleDuplicates(t.database.db)).toBe(0);
  });
});

describe('GET /applications/:id/duplicates', () => {
  it('grades on the data as it is at the read: a pair no longer true goes, an ID shared since shows', async () => {
    const name = `${word()} ${word()}`;
    const born = birth();
    const first = await walkIn({ fullNameAr: name, birthDate: born });
    const second = await walkIn({ fullNameAr: name, birthDate: born });
    expect((await itemsOf(second.id)).map((i) => i.id)).toEqual([first.id]);
    // Changed behind the rules' back (no flagging): the recorded pair is regraded and no longer holds.
    await t.database.db.update(applicants).set({ birthDate: `${Number(born.slice(0, 4)) - 3}-01-01` }).where(eq(applicants.applicationId, first.id));
    expect(await itemsOf(second.id)).toEqual([]);
    // An ID shared with a case nobody flagged is found at the read all the same.
    const [row] = await t.database.db.select().from(applicants).where(eq(applicants.applicationId, second.id));
    const bare = await unflaggedCase({ nationalId: row!.nationalId });
    expect(await itemsOf(second.id)).toEqual([expect.objectContaining({ id: bare, grade: 'likely', evidence: [{ field: 'nationalId', how: 'equal' }] })]);
  });

  it('shows a candidate in the other ministry by its ministry, grade and matched fields only', async () => {
    const surname = word();
    const born = birth();
    const defense = await walkIn({ fullNameAr: `مازن ${surname}`, fullNameLatin: 'Mazen Secretname', birthDate: born }, defenseStaff);
    const interior = await walkIn({ fullNameAr: `مازن ${surname}`, birthDate: born });
    const res = await duplicatesOf(interior.id);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ items: Item[] }>().items).toEqual([
      {
        visible: false,
        ministry: 'defense',
        grade: 'likely',
        evidence: [
          { field: 'fullNameAr', how: 'equal' },
          { field: 'birthDate', how: 'equal' },
        ],
      },
    ]);
    for (const secret of [defense.id, defense.reference, 'Secretname']) expect(res.body).not.toContain(secret);
    // An auditor of both ministries sees it in full; one of the interior only, as staff do.
    expect(await itemsOf(interior.id, auditor)).toEqual([expect.objectContaining({ visible: true, id: defense.id, ministry: 'defense', fullNameLatin: 'Mazen Secretname' })]);
    expect(await itemsOf(interior.id, interiorAuditor)).toEqual([expect.objectContaining({ visible: false, ministry: 'defense' })]);
    // And the defense staff see the interior case the same way.
    expect(await itemsOf(defense.id, defenseStaff)).toEqual([expect.objectContaining({ visible: false, ministry: 'interior', grade: 'likely' })]);
  });

  it('answers staff, members and auditors of the case’s ministry; 404 to the other ministry, 403 to applicants', async () => {
    const c = await walkIn({ birthDate: birth() });
    for (const token of [staff, member, auditor, interiorAuditor]) expect((await duplicatesOf(c.id, token)).statusCode).toBe(200);
    const other = await duplicatesOf(c.id, defenseStaff);
    expect(other.statusCode).toBe(404);
    expect(other.headers['content-type']).toContain('application/problem+json');
    const me = await register({ birthDate: birth() });
    expect((await duplicatesOf(me.applicationId, me.accessToken)).statusCode).toBe(403);
    const admin = await tokenFor(t, await createUser(t, { role: 'admin' }));
    expect((await duplicatesOf(c.id, admin)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/applications/${c.id}/duplicates` })).statusCode).toBe(401);
    expect((await duplicatesOf('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await duplicatesOf('not-a-uuid')).statusCode).toBe(400);
  });

  it('records the read with the candidates shown', async () => {
    const name = `${word()} ${word()}`;
    const born = birth();
    const first = await walkIn({ fullNameAr: name, birthDate: born });
    const second = await walkIn({ fullNameAr: name, birthDate: born });
    const res = await duplicatesOf(second.id, auditor);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ items: Item[] }>().items.map((i) => i.id), res.body).toEqual([first.id]);
    await t.app.audit.flush();
    const [entry] = await t.database.db
      .select({ canonical: auditLog.canonical, caseId: auditLog.caseId })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'read'), eq(auditLog.requestId, String(res.headers['x-request-id']))));
    expect(entry!.caseId).toBe(second.id);
    expect(JSON.parse(entry!.canonical)).toMatchObject({ details: { view: 'duplicates', candidates: [first.id] } });
  });
});
