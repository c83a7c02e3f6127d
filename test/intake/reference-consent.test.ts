import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as seeds from '../../seeds/reference.js';
import {
  BRANCH_CODES,
  CODE_LISTS,
  DECISION_REASON_CODES,
  DEGREE_CODES,
  DOCUMENT_KIND_CODES,
  FLAG_KIND_CODES,
  SEPARATION_KIND_CODES,
} from '../../src/modules/reference/reference.codes.js';
import { consentTexts, referenceVersion } from '../../src/modules/reference/reference.table.js';
import { createTestApp, type TestApp } from '../harness.js';

/** Item 5 of issue 11: the bilingual code lists and the versioned consent text. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

interface Named {
  code: string;
  nameAr: string;
  nameEn: string;
  order: number;
}
const arabic = /\p{Script=Arabic}/u;

async function items(list: string): Promise<Named[]> {
  const res = await t.app.inject({ method: 'GET', url: `/reference/${list}` });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: Named[] }>().items;
}

describe('code lists', () => {
  it.each(CODE_LISTS)('%s: public, bilingual, ordered', async (list) => {
    const got = await items(list);
    expect(got.length).toBeGreaterThan(1);
    expect(got.map((i) => i.order)).toEqual(got.map((_, i) => i + 1));
    for (const item of got) {
      expect(item.nameAr).toMatch(arabic);
      expect(item.nameEn).toMatch(/[A-Za-z]/);
    }
  });

  it('agrees with the codes the API contract and the validation use', async () => {
    expect((await items('branches')).map((i) => i.code)).toEqual([...BRANCH_CODES]);
    expect((await items('separation-kinds')).map((i) => i.code)).toEqual([...SEPARATION_KIND_CODES]);
    expect((await items('degrees')).map((i) => i.code)).toEqual([...DEGREE_CODES]);
    expect((await items('document-kinds')).map((i) => i.code)).toEqual([...DOCUMENT_KIND_CODES]);
    expect((await items('decision-reasons')).map((i) => i.code)).toEqual([...DECISION_REASON_CODES]);
    expect((await items('flag-kinds')).map((i) => i.code)).toEqual([...FLAG_KIND_CODES]);
  });

  it('lists the ISO 3166-1 alpha-2 countries with Arabic and English names', async () => {
    const countries = await items('countries');
    expect(countries.length).toBeGreaterThanOrEqual(249);
    expect(countries.every((c) => /^[A-Z]{2}$/.test(c.code))).toBe(true);
    expect(countries.find((c) => c.code === 'SY')).toMatchObject({ nameEn: 'Syrian Arab Republic', nameAr: 'سوريا' });
    expect(countries.find((c) => c.code === 'TR')?.nameAr).toBe('تركيا');
  });
});

describe('consent text', () => {
  it('serves the current version, bilingual, and each version by its name', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/consent/current' });
    expect(res.statusCode).toBe(200);
    const current = res.json<{ version: string; textAr: string; textEn: string }>();
    expect(current.version).toBe(seeds.consentTexts.at(-1)!.version);
    expect(current.textAr).toMatch(arabic);
    expect(current.textEn).toMatch(/consent|agree/i);
    const again = await t.app.inject({ method: 'GET', url: `/consent/${current.version}` });
    expect(again.json()).toEqual(current);
  });

  it('answers 404 for an unknown version, in Arabic when asked', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/consent/1999-01', headers: { 'accept-language': 'ar' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json<{ code: string; title: string }>()).toMatchObject({ code: 'consent.version_not_found' });
  });

  it('a newly published text becomes current, the older stays readable, and the reference version moves', async () => {
    const [before] = await t.database.db.select().from(referenceVersion);
    const old = seeds.consentTexts.at(-1)!.version;
    await t.database.db.insert(consentTexts).values({ version: '2099-01', textAr: 'نص جديد', textEn: 'New text', publishedAt: new Date(Date.now() + 60_000) });
    const [after] = await t.database.db.select().from(referenceVersion);
    expect(after!.version).toBeGreaterThan(before!.version);
    await expect
      .poll(async () => (await t.app.inject({ method: 'GET', url: '/consent/current' })).json<{ version: string }>().version, { timeout: 5_000, interval: 200 })
      .toBe('2099-01');
    expect((await t.app.inject({ method: 'GET', url: `/consent/${old}` })).statusCode).toBe(200);
    await t.database.db.delete(consentTexts).where(eq(consentTexts.version, '2099-01'));
  });
});
