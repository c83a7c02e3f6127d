import { createHash, randomInt } from 'node:crypto';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { applicants } from '../../src/modules/applications/applicant.table.js';
import { applications, importBatches } from '../../src/modules/applications/applications.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody, recordedCandidates, recordedPair } from './helpers.js';

/** Issue 12, item 1: batch import of a returned group — CSV or JSON, all or nothing, every bad row named. */

let t: TestApp;
let staff: string;
let otherStaff: string;

beforeAll(async () => {
  t = await createTestApp();
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
  otherStaff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
});
afterAll(() => t.close());

const COLUMNS = [
  'fullNameAr',
  'fullNameLatin',
  'birthDate',
  'sex',
  'nationalId',
  'serviceNumber',
  'branch',
  'rank',
  'specializations',
  'education.degree',
  'education.field',
  'separationKind',
  'residenceCountry',
  'insideSyria',
  'yearsOfService',
] as const;

const FIRST = ['أحمد', 'محمود', 'خالد', 'عمر', 'يوسف', 'سامر', 'باسل', 'فراس', 'وائل', 'ماهر'];
const FAMILY = ['الخطيب', 'الحموي', 'الحلبي', 'العلي', 'الشامي', 'الأحمد', 'الدرويش', 'النجار', 'السيد', 'القاسم'];
const FIRST_LATIN = ['Ahmad', 'Mahmoud', 'Khaled', 'Omar', 'Yousef', 'Samer', 'Basel', 'Firas', 'Wael', 'Maher'];
const FAMILY_LATIN = ['al-Khatib', 'al-Hamwi', 'al-Halabi', 'al-Ali', 'al-Shami', 'al-Ahmad', 'al-Darwish', 'al-Najjar', 'al-Sayed', 'al-Qasim'];

let serial = 0;
/** A row of distinct officers: a fresh national ID and a name unlike the others'. */
function row(overrides: Partial<Record<(typeof COLUMNS)[number], string>> = {}): Record<string, string> {
  serial += 1;
  const i = serial % 10;
  const j = Math.floor(serial / 10) % 10;
  return {
    fullNameAr: `${FIRST[i]} ${FIRST[j]} ${FAMILY[(i + j) % 10]}`,
    fullNameLatin: `${FIRST_LATIN[i]} ${FIRST_LATIN[j]} ${FAMILY_LATIN[(i + j) % 10]}`,
    birthDate: `19${70 + (serial % 25)}-0${1 + (serial % 9)}-1${serial % 10}`,
    sex: 'male',
    nationalId: String(randomInt(10_000_000_000, 99_999_999_999)),
    serviceNumber: '',
    branch: 'police',
    rank: 'captain',
    specializations: 'law;criminal_investigation',
    'education.degree': 'bachelor',
    'education.field': 'law',
    separationKind: 'defected',
    residenceCountry: 'TR',
    insideSyria: 'false',
    yearsOfService: '9',
    ...overrides,
  };
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function csv(rows: Record<string, string>[], columns: readonly string[] = COLUMNS, { bom = false, eol = '\n' } = {}): string {
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c] ?? '')).join(','))];
  return `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
}

function post(body: string | Buffer, contentType = 'text/csv', headers: Record<string, string> = {}, token = staff) {
  return t.app.inject({ method: 'POST', url: '/applications/import', headers: { ...bearer(token), 'content-type': contentType, ...headers }, payload: body });
}

interface Imported {
  batchId: string;
  created: number;
  duplicatesFlagged: number;
  sha256: string;
  cases: { id: string; reference: string; duplicateCandidates: number }[];
}
interface RowProblem {
  code: string;
  errors: { line: number; field?: string; message: string; code?: string; path: string }[];
}

async function caseCount(): Promise<number> {
  const [row] = await t.database.db.select({ n: count() }).from(applications);
  return row!.n;
}
async function batchCount(): Promise<number> {
  const [row] = await t.database.db.select({ n: count() }).from(importBatches);
  return row!.n;
}

let before: { cases: number; batches: number };
beforeEach(async () => {
  before = { cases: await caseCount(), batches: await batchCount() };
});
async function expectNothingStored() {
  expect(await caseCount()).toBe(before.cases);
  expect(await batchCount()).toBe(before.batches);
}

describe('a batch that is taken', () => {
  it('takes a 50-row Arabic CSV with a BOM and CRLF lines whole, linked to its batch with the file’s SHA-256', async () => {
    const body = Buffer.from(csv(Array.from({ length: 50 }, () => row({ serviceNumber: `S${randomInt(1e11, 1e12 - 1)}` })), COLUMNS, { bom: true, eol: '\r\n' }));
    const res = await post(body, 'text/csv; charset=utf-8');
    expect(res.statusCode, res.body).toBe(201);
    const result = res.json<Imported>();
    expect(result.created).toBe(50);
    expect(result.cases).toHaveLength(50);
    expect(result.sha256).toBe(createHash('sha256').update(body).digest('hex'));

    const [batch] = await t.database.db.select().from(importBatches).where(eq(importBatches.id, result.batchId));
    expect(batch).toMatchObject({ ministry: 'interior', format: 'csv', rows: 50, sha256: result.sha256 });
    const stored = await t.database.db
      .select({ channel: applications.channel, status: applications.status, nameAr: applicants.fullNameAr, specializations: applicants.specializations, degree: applicants.educationDegree, inside: applicants.insideSyria, years: applicants.yearsOfService })
      .from(applications)
      .innerJoin(applicants, eq(applicants.applicationId, applications.id))
      .where(eq(applications.importBatchId, result.batchId));
    expect(stored).toHaveLength(50);
    for (const s of stored) {
      expect(s).toMatchObject({ channel: 'batch_import', status: 'submitted', specializations: ['law', 'criminal_investigation'], degree: 'bachelor', inside: false, years: 9 });
      expect(s.nameAr).toMatch(/^[\u0600-\u06FF ]+$/);
    }
    // References follow the rows' order, without gaps.
    const numbers = result.cases.map((c) => Number(c.reference.slice(-6)));
    numbers.forEach((n, i) => i > 0 && expect(n).toBe(numbers[i - 1]! + 1));
  });

  it('records one import.batch entry and one application.created entry per case', async () => {
    const res = await post(csv([row(), row(), row()]));
    expect(res.statusCode).toBe(201);
    const { batchId, cases } = res.json<Imported>();
    const entries = await t.database.db.select({ action: auditLog.action, entityId: auditLog.entityId, canonical: auditLog.canonical }).from(auditLog).where(eq(auditLog.requestId, res.headers['x-request-id'] as string));
    expect(entries.filter((e) => e.action === 'import.batch')).toEqual([expect.objectContaining({ entityId: batchId })]);
    const created = entries.filter((e) => e.action === 'application.created');
    expect(created.map((e) => e.entityId).sort()).toEqual(cases.map((c) => c.id).sort());
    expect(JSON.parse(created[0]!.canonical)).toMatchObject({ details: { channel: 'batch_import', batchId } });
  });

  it('takes a JSON array, rows without contacts included', async () => {
    const rows = [applicantBody(), applicantBody({ phone: undefined, email: undefined, residenceCountry: undefined, residenceCity: undefined, insideSyria: undefined })];
    const res = await post(JSON.stringify(rows), 'application/json');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<Imported>().created).toBe(2);
    const [batch] = await t.database.db.select().from(importBatches).where(eq(importBatches.id, res.json<Imported>().batchId));
    expect(batch?.format).toBe('json');
  });

  it('reads quoted cells with commas, quotes and line breaks, and names later rows by the line they start on', async () => {
    const rows = [row({ 'education.field': 'law, "criminal", and\nprocedure' }), row({ rank: 'general_of_nothing' })];
    const res = await post(csv(rows));
    expect(res.statusCode).toBe(400);
    // Header line 1; the first row spans lines 2–3; the bad row starts on line 4.
    expect(res.json<RowProblem>().errors).toEqual([expect.objectContaining({ line: 4, field: 'rank' })]);
  });

  it('accepts Arabic-Indic digits and stores them as ASCII', async () => {
    const res = await post(csv([row({ nationalId: '٠١٢٣٤٥٦٧٨٩٨', yearsOfService: '١٢' })]));
    expect(res.statusCode, res.body).toBe(201);
    const [stored] = await t.database.db.select({ nationalId: applicants.nationalId, years: applicants.yearsOfService }).from(applicants).where(eq(applicants.applicationId, res.json<Imported>().cases[0]!.id));
    expect(stored).toEqual({ nationalId: '01234567898', years: 12 });
  });
});

describe('duplicates are flagged, never created silently', () => {
  it('flags a row repeating an existing officer’s national ID, and two rows of one officer inside the batch', async () => {
    const known = applicantBody();
    const walkIn = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(staff), payload: { applicant: known } });
    expect(walkIn.statusCode).toBe(201);
    const twin = row();
    const res = await post(csv([row({ nationalId: known.nationalId as string }), twin, { ...twin, serviceNumber: 'X1234' }, row()]));
    expect(res.statusCode, res.body).toBe(201);
    const result = res.json<Imported>();
    expect(result.created).toBe(4);
    expect(result.cases.map((c) => c.duplicateCandidates > 0)).toEqual([true, true, true, false]);
    expect(result.duplicatesFlagged).toBe(3);
    expect(await recordedPair(t.database.db, result.cases[0]!.id, walkIn.json<{ id: string }>().id)).toBeDefined();
  });

  it('gives each case the number of candidates recorded for it, the same in the answer, its audit entry and a replay', async () => {
    const known = applicantBody();
    const walkIn = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(staff), payload: { applicant: known } });
    expect(walkIn.statusCode).toBe(201);
    // Three rows of one officer, one of them also repeating the walk-in's ID: 2, 2 and 3 candidates.
    const twin = row();
    const rows = [twin, { ...twin, serviceNumber: 'Y1234' }, { ...twin, nationalId: known.nationalId as string }, row()];
    const headers = { 'idempotency-key': `counts-${randomInt(1e9)}` };
    const res = await post(csv(rows), 'text/csv', headers);
    expect(res.statusCode, res.body).toBe(201);
    const result = res.json<Imported>();
    const recorded = await Promise.all(result.cases.map(async (c) => (await recordedCandidates(t.database.db, c.id)).length));
    expect(recorded).toEqual([2, 2, 3, 0]);
    expect(result.cases.map((c) => c.duplicateCandidates)).toEqual(recorded);
    const entries = await t.database.db
      .select({ entityId: auditLog.entityId, canonical: auditLog.canonical })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'application.created'), sql`${auditLog.entityId} = any(${`{${result.cases.map((c) => c.id).join(',')}}`}::text[])`));
    const logged = new Map(entries.map((e) => [e.entityId, (JSON.parse(e.canonical) as { details: { duplicateCandidates: number } }).details.duplicateCandidates]));
    expect(result.cases.map((c) => logged.get(c.id))).toEqual(recorded);
    // A replay counts what is recorded, in SQL: the same numbers.
    const again = await post(csv(rows), 'text/csv', headers);
    expect(again.statusCode).toBe(201);
    expect(again.json<Imported>().cases.map((c) => c.duplicateCandidates)).toEqual(recorded);
  });
});

describe('a batch that is refused stores nothing', () => {
  it('reports every bad row — one in the middle and three — with line, field and message', async () => {
    const rows = Array.from({ length: 9 }, () => row());
    rows[4] = row({ birthDate: '2999-01-01' });
    const one = await post(csv(rows));
    expect(one.statusCode).toBe(400);
    expect(one.json<RowProblem>()).toMatchObject({ code: 'import.invalid_rows', errors: [{ line: 6, field: 'birthDate' }] });
    expect(one.json<{ detail: string }>().detail).toBe('Rows of the batch that are not valid: 1. Nothing was imported; each error names its line and field.');

    rows[1] = row({ fullNameAr: 'Ahmad Latin' });
    rows[7] = row({ specializations: 'law;astrology', sex: 'unknown' });
    const three = await post(csv(rows));
    expect(three.statusCode).toBe(400);
    const errors = three.json<RowProblem>().errors;
    expect(three.json<{ detail: string }>().detail).toMatch(/^Rows of the batch that are not valid: 3\. /);
    expect([...new Set(errors.map((e) => `${e.line} ${e.field}`))].map((key) => [Number(key.split(' ')[0]), key.split(' ')[1]])).toEqual([
      [3, 'fullNameAr'],
      [6, 'birthDate'],
      [9, 'sex'],
      [9, 'specializations'],
    ]);
    for (const e of errors) expect(e.message.length).toBeGreaterThan(3);
    expect(three.json<{ detail: string }>().detail).toContain('3');
    await expectNothingStored();
  });

  it('answers in Arabic when asked', async () => {
    const res = await post(csv([row({ birthDate: 'yesterday' })]), 'text/csv', { 'accept-language': 'ar' });
    expect(res.statusCode).toBe(400);
    const body = res.json<RowProblem & { detail: string }>();
    expect(body.detail).toMatch(/[\u0600-\u06FF]/);
    expect(body.errors[0]).toMatchObject({ line: 2, field: 'birthDate', code: 'date', message: 'تاريخ صحيح بالصيغة سنة-شهر-يوم' });
    const english = await post(csv([row({ birthDate: '2015-01-01', nationalId: '123' })]));
    expect(english.json<RowProblem>().errors).toEqual([
      expect.objectContaining({ line: 2, field: 'birthDate', code: 'age_out_of_range', message: 'Age must be between 18 and 75' }),
      expect.objectContaining({ line: 2, field: 'nationalId', code: 'national_id', message: 'The national ID has 11 digits' }),
    ]);
  });

  it('refuses an unknown column (religion) by name', async () => {
    const res = await post(csv([{ ...row(), religion: 'x' }], [...COLUMNS, 'religion']));
    expect(res.statusCode).toBe(400);
    expect(res.json<RowProblem>()).toMatchObject({ code: 'import.unknown_columns', errors: [{ line: 1, field: 'religion', code: 'unknown_column' }] });
    expect(res.body).toContain('religion');
    await expectNothingStored();
    const stored = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from audit_log where canonical like '%religion%'`);
    expect(stored[0]!.n).toBe(0);
  });

  it('refuses religion in a JSON row, naming the row', async () => {
    const res = await post(JSON.stringify([applicantBody(), applicantBody({ sect: 'x' })]), 'application/json');
    expect(res.statusCode).toBe(400);
    expect(res.json<RowProblem>().errors).toEqual([expect.objectContaining({ line: 2, field: 'sect' })]);
    await expectNothingStored();
  });

  it('refuses a missing required column, and a header naming a column twice', async () => {
    const missing = await post(csv([row()], COLUMNS.filter((c) => c !== 'rank')));
    expect(missing.statusCode).toBe(400);
    expect(missing.json<RowProblem>()).toMatchObject({ code: 'import.missing_columns', errors: [{ field: 'rank' }] });
    const noId = await post(csv([row()], COLUMNS.filter((c) => c !== 'nationalId' && c !== 'serviceNumber')));
    expect(noId.json<RowProblem>()).toMatchObject({ code: 'import.missing_columns', errors: [{ field: 'nationalId' }] });
    const twice = await post(csv([row()], [...COLUMNS, 'rank']));
    expect(twice.json<RowProblem>()).toMatchObject({ code: 'import.unknown_columns', errors: [{ field: 'rank', code: 'repeated_column' }] });
    await expectNothingStored();
  });

  it('refuses a malformed CSV (an unclosed quote), naming the line', async () => {
    const text = `${csv([row(), row()])}"${row().fullNameAr},broken\n`;
    const res = await post(text);
    expect(res.statusCode).toBe(400);
    expect(res.json<RowProblem>()).toMatchObject({ code: 'import.malformed', errors: [{ line: 4 }] });
    await expectNothingStored();
  });

  it('refuses a row with more or fewer cells than the header, and a NUL in a cell', async () => {
    const text = `${csv([row()])}${Object.values(row()).join(',')},extra\n${Object.values(row({ 'education.field': 'la\u0000w' })).join(',')}\n`;
    const res = await post(text);
    expect(res.statusCode).toBe(400);
    expect(res.json<RowProblem>().errors).toEqual([
      expect.objectContaining({ line: 3, code: 'cell_count' }),
      expect.objectContaining({ line: 4, field: 'education.field', code: 'invalid_characters' }),
    ]);
    await expectNothingStored();
  });

  it('refuses 10,001 rows, and takes none of them', async () => {
    const one = Object.values(row()).map(quote).join(',');
    const text = `${COLUMNS.join(',')}\n${`${one}\n`.repeat(10_001)}`;
    const res = await post(text);
    expect(res.statusCode).toBe(413);
    expect(res.json<{ code: string }>().code).toBe('import.too_many_rows');
    await expectNothingStored();
  });

  it('refuses an empty file, text that is not UTF-8, other media types and JSON that is not an array', async () => {
    expect((await post(`${COLUMNS.join(',')}\n`)).json<{ code: string }>().code).toBe('import.empty');
    const latin1 = Buffer.concat([Buffer.from(`${COLUMNS.join(',')}\n`), Buffer.from([0xe9, 0xff, 0x0a])]);
    expect((await post(latin1)).json<{ code: string }>().code).toBe('import.not_utf8');
    const xml = await post('<rows/>', 'application/xml');
    expect([xml.statusCode, xml.json<{ code: string }>().code]).toEqual([415, 'import.unsupported_media_type']);
    const latin1Declared = await post(csv([row()]), 'text/csv; charset=iso-8859-1');
    expect(latin1Declared.statusCode).toBe(415);
    const object = await post(JSON.stringify(applicantBody()), 'application/json');
    expect([object.statusCode, object.json<{ code: string }>().code]).toEqual([400, 'import.malformed']);
    const proto = await post('[{"__proto__": {"admin": true}}]', 'application/json');
    expect(proto.statusCode).toBe(400);
    await expectNothingStored();
  });

  it('has a body limit of its own, above the global one', async () => {
    const small = await createTestApp({ IMPORT_BODY_LIMIT_BYTES: '4096' });
    try {
      const token = await tokenFor(small, await createUser(small, { role: 'ministry_staff', ministry: 'interior' }));
      const res = await small.app.inject({
        method: 'POST',
        url: '/applications/import',
        headers: { ...bearer(token), 'content-type': 'text/csv' },
        payload: csv(Array.from({ length: 40 }, () => row())),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json<{ code: string; detail: string }>()).toMatchObject({ code: 'request.body_too_large' });
      expect(res.json<{ detail: string }>().detail).toContain('4096');
    } finally {
      await small.close();
    }
    // 2 MB (of JSON whitespace) is over the global 1 MiB limit and well under the import's.
    const big = `[${' '.repeat(2_000_000)}${JSON.stringify(applicantBody())}]`;
    const res = await post(big, 'application/json');
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    expect(res.json<Imported>().created).toBe(1);
  });
});

describe('who may import', () => {
  it('refuses committee members, auditors, applicants and the anonymous', async () => {
    for (const role of ['committee_member', 'auditor'] as const) {
      const token = await tokenFor(t, await createUser(t, { role, ministry: 'interior' }));
      expect((await post(csv([row()]), 'text/csv', {}, token)).statusCode).toBe(403);
    }
    const anonymous = await t.app.inject({ method: 'POST', url: '/applications/import', headers: { 'content-type': 'text/csv' }, payload: csv([row()]) });
    expect(anonymous.statusCode).toBe(401);
    await expectNothingStored();
  });

  it('puts the cases in the importer’s ministry', async () => {
    const res = await post(csv([row()]), 'text/csv', {}, otherStaff);
    expect(res.statusCode).toBe(201);
    const [stored] = await t.database.db.select({ ministry: applications.ministry, reference: applications.reference }).from(applications).where(eq(applications.id, res.json<Imported>().cases[0]!.id));
    expect(stored?.ministry).toBe('defense');
    expect(stored?.reference).toMatch(/^MOD-/);
  });
});

describe('Idempotency-Key', () => {
  it('answers a retry of the same batch with the first result and creates nothing twice', async () => {
    const body = csv([row(), row()]);
    const headers = { 'idempotency-key': `batch-${randomInt(1e9)}` };
    const first = await post(body, 'text/csv', headers);
    expect(first.statusCode).toBe(201);
    const again = await post(body, 'text/csv', headers);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(await caseCount()).toBe(before.cases + 2);
    const other = await post(csv([row()]), 'text/csv', headers);
    expect(other.statusCode).toBe(422);
    expect(await caseCount()).toBe(before.cases + 2);
  });

  it('two concurrent requests with one key create one batch', async () => {
    const body = csv([row(), row(), row()]);
    const headers = { 'idempotency-key': `race-${randomInt(1e9)}` };
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(body, 'text/csv', headers)));
    const created = answers.filter((a) => a.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const a of answers) expect([201, 409]).toContain(a.statusCode);
    expect(new Set(created.map((a) => a.json<Imported>().batchId)).size).toBe(1);
    expect(await batchCount()).toBe(before.batches + 1);
    expect(await caseCount()).toBe(before.cases + 3);
  });

  it('without a key, the same batch sent twice is two batches whose cases are flagged as duplicates of each other', async () => {
    const body = csv([row()]);
    const first = (await post(body)).json<Imported>();
    const second = (await post(body)).json<Imported>();
    expect(second.batchId).not.toBe(first.batchId);
    expect(second.cases[0]!.duplicateCandidates).toBeGreaterThan(0);
    const [flag] = await t.database.db
      .select({ n: count() })
      .from(applications)
      .where(and(eq(applications.id, second.cases[0]!.id), eq(applications.channel, 'batch_import')));
    expect(flag!.n).toBe(1);
  });
});

describe('an import beside other writes', () => {
  it('runs beside walk-ins of the same ministry: all succeed, references stay unique and gap-free, and a walk-in repeating an imported ID is flagged', async () => {
    const rows = Array.from({ length: 200 }, () => row());
    const repeated = rows[100]!.nationalId!;
    const [imported, ...walkIns] = await Promise.all([
      post(csv(rows)),
      ...Array.from({ length: 6 }, (_, i) =>
        t.app.inject({ method: 'POST', url: '/applications', headers: bearer(staff), payload: { applicant: applicantBody(i === 3 ? { nationalId: repeated } : {}) } }),
      ),
    ]);
    expect(imported.statusCode, imported.body.slice(0, 300)).toBe(201);
    for (const w of walkIns) expect(w.statusCode, w.body.slice(0, 300)).toBe(201);
    const references = await t.database.db.select({ reference: applications.reference }).from(applications).where(eq(applications.ministry, 'interior'));
    const numbers = references.map((r) => Number(r.reference.slice(-6))).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.at(-1)! - numbers[0]! + 1).toBe(numbers.length);
    // Whichever committed first, the pair is recorded (flaggings take turns and see each other).
    const walkIn = walkIns[3]!.json<{ id: string }>().id;
    const importedCase = imported.json<Imported>().cases[100]!.id;
    expect(await recordedPair(t.database.db, walkIn, importedCase)).toBeDefined();
  });
});
