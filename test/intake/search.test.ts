import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicants } from '../../src/modules/applications/applicant.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody, distinctNames } from './helpers.js';

/** Intake II: the `q` filter of GET /applications — names in either script, any usual spelling, or an ID. */

let t: TestApp;
let staff: string;
let defenseStaff: string;

beforeAll(async () => {
  t = await createTestApp();
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
  defenseStaff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
});
afterAll(() => t.close());

async function walkIn(overrides: Record<string, unknown>, token = staff): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(token), payload: { applicant: applicantBody({ ...distinctNames(), ...overrides }) } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

async function search(q: string, token = staff) {
  const res = await t.app.inject({ method: 'GET', url: `/applications?limit=200&q=${encodeURIComponent(q)}`, headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return { ids: res.json<{ items: { id: string }[] }>().items.map((i) => i.id), requestId: String(res.headers['x-request-id']) };
}

describe('GET /applications?q=', () => {
  it('finds an Arabic name by another spelling, or by a part of it', async () => {
    const id = await walkIn({ fullNameAr: 'محمّد الحسن قطرميز' });
    const other = await walkIn({ fullNameAr: 'محمود حسين شبارق' });
    expect((await search('محمد حسن قطرميز')).ids).toEqual([id]);
    expect((await search('قطرميز')).ids).toEqual([id]);
    expect((await search('الحسن قطرميز')).ids).toEqual([id]);
    expect((await search('شبارق')).ids).toEqual([other]);
    expect((await search('زعفرنجي')).ids).toEqual([]);
  });

  it('finds a Latin name across transliterations', async () => {
    const id = await walkIn({ fullNameLatin: 'Mohamed El-Hassan Qatarmiz' });
    expect((await search('Muhammad al Hasan Qatarmiz')).ids).toEqual([id]);
    expect((await search('qatarmiz')).ids).toEqual([id]);
    expect((await search('Mouhammad Hassan Qatarmiz')).ids).toEqual([id]);
  });

  it('finds a national ID (typed with Arabic-Indic digits too) and a service number, exactly', async () => {
    const id = await walkIn({ nationalId: '31415926535', serviceNumber: 'QX7731' });
    expect((await search('31415926535')).ids).toEqual([id]);
    expect((await search('٣١٤١٥٩٢٦٥٣٥')).ids).toEqual([id]);
    expect((await search('qx7731')).ids).toEqual([id]);
    expect((await search('3141592653')).ids).toEqual([]);
  });

  it('stays inside the caller’s scope', async () => {
    const id = await walkIn({ fullNameAr: 'ناصر برغوثي', nationalId: '27182818284' }, defenseStaff);
    expect((await search('برغوثي')).ids).toEqual([]);
    expect((await search('27182818284')).ids).toEqual([]);
    expect((await search('برغوثي', defenseStaff)).ids).toEqual([id]);
  });

  it('records the search text hashed, never in clear, and refuses an empty one', async () => {
    await walkIn({ fullNameAr: 'سليم طرابيشي' });
    const { requestId } = await search('طرابيشي');
    await t.app.audit.flush();
    const [entry] = await t.database.db
      .select({ canonical: auditLog.canonical })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'read'), eq(auditLog.requestId, requestId)));
    expect(entry!.canonical).not.toContain('طرابيشي');
    expect(JSON.parse(entry!.canonical)).toMatchObject({ details: { view: 'list', q: expect.any(String) as unknown } });
    expect((await t.app.inject({ method: 'GET', url: '/applications?q=', headers: bearer(staff) })).statusCode).toBe(400);
    // The folded columns it searches are what the rules compare.
    const [row] = await t.database.db.select({ folded: applicants.nameArFolded }).from(applicants).where(eq(applicants.fullNameAr, 'سليم طرابيشي'));
    expect(row!.folded).toBe('سليم طرابيشي');
  });
});
