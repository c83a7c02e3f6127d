import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicants } from '../../src/modules/applications/applicant.table.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody, distinctNames, recordedCandidates, yearsAgo } from './helpers.js';

/** Item 4 of issue 11: the applicant fields, checked through walk-in entry (POST /applications) into PostgreSQL. */

let t: TestApp;
let staff: string;

beforeAll(async () => {
  t = await createTestApp();
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
});
afterAll(async () => t?.close());

function post(applicant: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/applications', headers: { ...bearer(staff), ...headers }, payload: { applicant } });
}

async function counts() {
  const [cases] = await t.database.db.select({ n: count() }).from(applications);
  const [people] = await t.database.db.select({ n: count() }).from(applicants);
  return { cases: cases!.n, people: people!.n };
}

async function stored(id: string) {
  const [row] = await t.database.db.select().from(applicants).where(eq(applicants.applicationId, id));
  return row!;
}

function refusedAt(res: { statusCode: number; json: () => unknown }, path: string) {
  expect(res.statusCode).toBe(400);
  const body = res.json() as { errors: { path: string }[] };
  expect(body.errors.map((e) => e.path)).toContain(path);
}

describe('applicant fields', () => {
  it('stores a valid walk-in as submitted, channel walk_in, with a ministry reference', async () => {
    const res = await post(applicantBody());
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: string; reference: string; status: string; channel: string; ministry: string }>();
    expect(body).toMatchObject({ status: 'submitted', channel: 'walk_in', ministry: 'interior' });
    expect(body.reference).toMatch(new RegExp(`^MOI-${new Date().getUTCFullYear()}-\\d{6}$`));
    const row = await stored(body.id);
    expect(row).toMatchObject({ fullNameAr: 'محمد أحمد الحموي', phone: '+905551234567', residenceCountry: 'TR', specializations: ['law', 'criminal_investigation'] });
    expect(row.nameArFolded).toBe('محمد احمد حموي');
    expect(row.nameLatinFolded).toBe('muhamad ahmad hamwi');
  });

  it('needs only the required fields, and a national ID or a service number', async () => {
    const minimal = { fullNameAr: 'خالد', birthDate: '1975-01-01', sex: 'male', branch: 'army', rank: 'major', specializations: ['infantry'], separationKind: 'defected' };
    refusedAt(await post(minimal), '/body/applicant/nationalId');
    expect((await post({ ...minimal, serviceNumber: 'x12' })).statusCode).toBe(201);
    for (const field of ['fullNameAr', 'birthDate', 'sex', 'branch', 'rank', 'specializations', 'separationKind']) {
      const body: Record<string, unknown> = { ...minimal, nationalId: '01234567890' };
      delete body[field];
      refusedAt(await post(body), `/body/applicant/${field}`);
    }
    refusedAt(await post({ ...minimal, nationalId: '01234567890', specializations: [] }), '/body/applicant/specializations');
  });

  it('refuses religion, sect or ethnicity and stores nothing of it anywhere', async () => {
    const before = await counts();
    for (const field of ['religion', 'sect', 'ethnicity']) {
      const res = await post({ ...applicantBody(), [field]: 'zzsecretvaluezz' });
      refusedAt(res, `/body/applicant/${field}`);
      expect(res.body).not.toContain('zzsecretvaluezz');
    }
    // At the top level too.
    const top = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(staff), payload: { applicant: applicantBody(), religion: 'zzsecretvaluezz' } });
    expect(top.statusCode).toBe(400);
    expect(await counts()).toMatchObject({ cases: before.cases, people: before.people });
    const log = await t.database.db.select().from(auditLog);
    expect(JSON.stringify(log)).not.toContain('zzsecretvaluezz');
    expect(t.logs.join('\n')).not.toContain('zzsecretvaluezz');
  });

  it('keeps Arabic-script fields Arabic and the Latin name Latin', async () => {
    refusedAt(await post(applicantBody({ fullNameLatin: 'محمد Hamwi' })), '/body/applicant/fullNameLatin');
    refusedAt(await post(applicantBody({ fullNameLatin: 'محمد' })), '/body/applicant/fullNameLatin');
    refusedAt(await post(applicantBody({ fullNameAr: 'Mohammad الحموي' })), '/body/applicant/fullNameAr');
    refusedAt(await post(applicantBody({ motherNameAr: 'Fatima' })), '/body/applicant/motherNameAr');
    refusedAt(await post(applicantBody({ fullNameAr: 'محمد 123' })), '/body/applicant/fullNameAr');
    // Either script where DESIGN §4 allows it.
    const res = await post(applicantBody({ birthPlace: 'Hama', residenceCity: 'غازي عنتاب', lastUnit: 'قيادة شرطة حماة 12' }));
    expect(res.statusCode).toBe(201);
  });

  it('accepts Arabic-Indic and Persian digits and stores them as ASCII', async () => {
    const res = await post(
      applicantBody({ nationalId: '٠٣٠١٢٣٤٥٦٧٨', serviceNumber: 'a۱۲۳۴۵', phone: '+٩٠ ٥٥٥ ١٢٣ ٤٥٦٧', birthDate: '١٩٨٠-٠٥-١٤', separationDate: '۲۰۱۲-۰۷-۰۱' }),
    );
    expect(res.statusCode).toBe(201);
    const row = await stored(res.json<{ id: string }>().id);
    expect(row).toMatchObject({ nationalId: '03012345678', serviceNumber: 'A12345', phone: '+905551234567', birthDate: '1980-05-14', separationDate: '2012-07-01' });
  });

  it('NFC-normalizes text and strips control and zero-width characters', async () => {
    const res = await post(applicantBody({ fullNameAr: 'محمد\u200B أحمد\u200F\u202E  الحموي', fullNameLatin: 'Jose\u0301 Al\u0007-Hamwi', lastUnit: ' Hama\u200D police\tcommand ' }));
    expect(res.statusCode).toBe(201);
    const row = await stored(res.json<{ id: string }>().id);
    expect(row.fullNameAr).toBe('محمد أحمد الحموي');
    expect(row.fullNameLatin).toBe('José Al-Hamwi');
    expect(row.fullNameLatin!.length).toBe(13);
    expect(row.lastUnit).toBe('Hama police command');
  });

  it('refuses a NUL anywhere', async () => {
    const res = await post(applicantBody({ birthPlace: 'Ha\u0000ma' }));
    expect(res.statusCode).toBe(400);
  });

  it('checks ages 18 to 75 and separation dates from 2011-03-01 to today', async () => {
    expect((await post(applicantBody({ birthDate: yearsAgo(18) }))).statusCode).toBe(201);
    refusedAt(await post(applicantBody({ birthDate: yearsAgo(18, 1) })), '/body/applicant/birthDate');
    expect((await post(applicantBody({ birthDate: yearsAgo(76, 1) }))).statusCode).toBe(201);
    refusedAt(await post(applicantBody({ birthDate: yearsAgo(76) })), '/body/applicant/birthDate');
    refusedAt(await post(applicantBody({ birthDate: '1980-02-30' })), '/body/applicant/birthDate');
    expect((await post(applicantBody({ separationDate: '2011-03-01' }))).statusCode).toBe(201);
    refusedAt(await post(applicantBody({ separationDate: '2011-02-28' })), '/body/applicant/separationDate');
    refusedAt(await post(applicantBody({ separationDate: yearsAgo(0, 1) })), '/body/applicant/separationDate');
  });

  it.each([
    ['nationalId', '1234567890'],
    ['nationalId', '123456789012'],
    ['nationalId', '1234567890a'],
    ['serviceNumber', 'ab'],
    ['serviceNumber', 'A'.repeat(21)],
    ['serviceNumber', 'A12_34'],
    ['phone', '05551234567'],
    ['phone', '+999123'],
    ['email', 'not-an-email'],
    ['residenceCountry', 'XX'],
    ['residenceCountry', 'TUR'],
    ['sex', 'other'],
    ['branch', 'navy_seals'],
    ['rank', 'admiral'],
    ['separationKind', 'retired'],
    ['specializations', ['law', 'law']],
    ['specializations', ['astronaut']],
    ['specializations', Array.from({ length: 11 }, () => 'law')],
    ['preferredGovernorates', ['hama', 'paris']],
    ['yearsOfService', 61],
    ['yearsOfService', 2.5],
    ['fullNameAr', 'م'.repeat(151)],
    ['lastUnit', 'x'.repeat(201)],
    ['education', { degree: 'bachelor', field: 'law', grade: 'A' }],
    ['education', { degree: 'wizard' }],
  ])('refuses %s = %j', async (field, value) => {
    const res = await post(applicantBody({ [field]: value }));
    expect(res.statusCode).toBe(400);
    const body = res.json<{ errors: { path: string }[] }>();
    expect(body.errors.some((e) => e.path.startsWith(`/body/applicant/${field}`))).toBe(true);
  });

  it('refuses insideSyria contradicting the country of residence', async () => {
    refusedAt(await post(applicantBody({ insideSyria: true, residenceCountry: 'TR' })), '/body/applicant/insideSyria');
    expect((await post(applicantBody({ insideSyria: true, residenceCountry: 'sy' }))).statusCode).toBe(201);
  });

  it('answers in Arabic when asked', async () => {
    const res = await post(applicantBody({ nationalId: '12' }), { 'accept-language': 'ar' });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ title: string }>().title).toMatch(/\p{Script=Arabic}/u);
  });

  it('flags an earlier case sharing a national ID (an equal email as evidence), and answers as for any case', async () => {
    const first = (await post(applicantBody({ ...distinctNames(), birthDate: '1962-02-02', email: 'Same.Person@example.org' }))).json<{ id: string }>();
    const firstRow = await stored(first.id);
    const res = await post(applicantBody({ ...distinctNames(), birthDate: '1977-07-07', nationalId: firstRow.nationalId, email: 'same.person@EXAMPLE.org' }));
    expect(res.statusCode).toBe(201);
    const second = res.json<{ id: string }>();
    const flagged = await recordedCandidates(t.database.db, second.id);
    expect(flagged).toEqual([
      expect.objectContaining({
        candidateId: first.id,
        grade: 'likely',
        evidence: [
          { field: 'nationalId', how: 'equal' },
          { field: 'email', how: 'equal' },
        ],
      }),
    ]);
    const cases = await t.database.db.select().from(applications).where(eq(applications.id, second.id));
    expect(cases).toHaveLength(1);
  });

  it('numbers references per ministry and year without gaps or repeats under concurrency', async () => {
    const defense = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.app.inject({ method: 'POST', url: '/applications', headers: bearer(i % 2 ? defense : staff), payload: { applicant: applicantBody() } }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    const mod = results.filter((_, i) => i % 2).map((r) => r.json<{ reference: string }>().reference).sort();
    const year = new Date().getUTCFullYear();
    expect(mod).toEqual(Array.from({ length: 10 }, (_, i) => `MOD-${year}-${String(i + 1).padStart(6, '0')}`));
    const all = await t.database.db.select({ reference: applications.reference }).from(applications).where(eq(applications.ministry, 'interior'));
    const numbers = all.map((r) => Number(r.reference.slice(-6))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
  });

  it('is for ministry staff only', async () => {
    for (const role of ['committee_member', 'auditor', 'admin', 'applicant'] as const) {
      const token = await tokenFor(t, await createUser(t, { role }));
      const res = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(token), payload: { applicant: applicantBody() } });
      expect(res.statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'POST', url: '/applications', payload: { applicant: applicantBody() } })).statusCode).toBe(401);
  });
});
