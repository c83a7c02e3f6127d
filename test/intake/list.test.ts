import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody } from './helpers.js';

/** Item 8 of issue 11: staff lists through the access layer's SQL predicate. */

let t: TestApp;
let staff: string;
let defenseStaff: string;
const ids: Record<string, string> = {};

interface Item {
  id: string;
  ministry: string;
  [key: string]: unknown;
}

async function walkIn(token: string, name: string, overrides: Record<string, unknown>) {
  const res = await t.app.inject({ method: 'POST', url: '/applications', headers: bearer(token), payload: { applicant: applicantBody({ education: { degree: 'secondary' }, ...overrides }) } });
  expect(res.statusCode).toBe(201);
  ids[name] = res.json<{ id: string }>().id;
}

beforeAll(async () => {
  t = await createTestApp();
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
  defenseStaff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
  await walkIn(staff, 'lawyer', { rank: 'major', specializations: ['law'], education: { degree: 'bachelor', field: 'Law' }, preferredGovernorates: ['homs'] });
  await walkIn(staff, 'inside', { residenceCountry: 'SY', insideSyria: true, specializations: ['traffic'], education: { degree: 'secondary' } });
  await walkIn(staff, 'traffic', { specializations: ['traffic', 'public_security'], preferredGovernorates: ['aleppo'] });
  for (let i = 0; i < 5; i++) await walkIn(staff, `bulk${i}`, {});
  await walkIn(defenseStaff, 'defense', { branch: 'army', specializations: ['infantry'] });
});
afterAll(() => t.close());

async function list(query: string, token = staff): Promise<Item[]> {
  const res = await t.app.inject({ method: 'GET', url: `/applications?limit=200${query}`, headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Item[] }>().items;
}

describe('staff lists', () => {
  it('shows staff their ministry only, and auditors everything, without national ID, phone or email', async () => {
    const mine = await list('');
    expect(mine).toHaveLength(8);
    expect(mine.every((i) => i.ministry === 'interior')).toBe(true);
    for (const item of mine) for (const key of ['nationalId', 'serviceNumber', 'phone', 'email']) expect(item).not.toHaveProperty(key);
    expect(JSON.stringify(mine)).not.toContain('+905551234567');
    const auditor = await tokenFor(t, await createUser(t, { role: 'auditor' }));
    expect(await list('', auditor)).toHaveLength(9);
    expect((await list('', defenseStaff)).map((i) => i.id)).toEqual([ids.defense]);
  });

  it('filters by rank, specialization, governorate, channel, insideSyria, residenceCountry, educationField and status', async () => {
    const idsOf = async (q: string) => (await list(q)).map((i) => i.id).sort();
    expect(await idsOf('&rank=major')).toEqual([ids.lawyer]);
    expect(await idsOf('&specialization=traffic')).toEqual([ids.inside, ids.traffic].sort());
    expect(await idsOf('&governorate=aleppo')).toEqual([ids.traffic]);
    expect(await idsOf('&insideSyria=true')).toEqual([ids.inside]);
    expect(await idsOf('&residenceCountry=sy')).toEqual([ids.inside]);
    expect(await idsOf('&educationField=law')).toEqual([ids.lawyer]);
    expect(await idsOf('&channel=link')).toEqual([]);
    expect(await idsOf('&status=submitted&channel=walk_in')).toHaveLength(8);
  });

  it('pages in a stable order with a cursor, no item twice or missing', async () => {
    const all = (await list('')).map((i) => i.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/applications?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: Item[]; nextCursor: string | null } = (await t.app.inject({ method: 'GET', url, headers: bearer(staff) })).json();
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('refuses unknown filters and bad cursors; applicants and admins may not list', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/applications?religion=x', headers: bearer(staff) })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/applications?cursor=nope', headers: bearer(staff) })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/applications?insideSyria=maybe', headers: bearer(staff) })).statusCode).toBe(400);
    for (const role of ['applicant', 'admin'] as const) {
      const token = await tokenFor(t, await createUser(t, { role }));
      expect((await t.app.inject({ method: 'GET', url: '/applications', headers: bearer(token) })).statusCode).toBe(403);
    }
  });
});
