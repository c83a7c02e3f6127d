import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as seeds from '../../seeds/reference.js';
import { GOVERNORATE_CODES, RANK_CODES } from '../../src/modules/reference/reference.codes.js';
import { seedReference } from '../../src/modules/reference/reference.seed.js';
import { createTestApp, type TestApp } from '../harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

interface Named {
  code: string;
  nameAr: string;
  nameEn: string;
}

const arabic = /[\u0600-\u06FF]/;

describe('reference data', () => {
  it('serves the 16 ranks in ladder order, junior to senior, with Arabic and English names', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/reference/ranks' });
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: (Named & { order: number })[] }>().items;
    expect(items.map((r) => r.code)).toEqual([...RANK_CODES]);
    expect(items.map((r) => r.order)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(items.find((r) => r.code === 'captain')).toMatchObject({ nameAr: 'نقيب', nameEn: 'Captain' });
    expect(items.find((r) => r.code === 'second_lieutenant')?.nameAr).toBe('ملازم');
  });

  it.each(['ranks', 'specializations', 'governorates', 'ministries'])('%s have no empty names and Arabic script in nameAr', async (kind) => {
    const res = await t.app.inject({ method: 'GET', url: `/reference/${kind}` });
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: Named[] }>().items;
    expect(items.length).toBeGreaterThan(1);
    for (const item of items) {
      expect(item.code).toMatch(/^[a-z][a-z_]*$/);
      expect(item.nameEn.trim()).not.toBe('');
      expect(item.nameAr).toMatch(arabic);
    }
  });

  it('serves the 14 governorates and both ministries', async () => {
    const gov = (await t.app.inject({ method: 'GET', url: '/reference/governorates' })).json<{ items: Named[] }>().items;
    expect(gov.map((g) => g.code)).toEqual([...GOVERNORATE_CODES]);
    const min = (await t.app.inject({ method: 'GET', url: '/reference/ministries' })).json<{ items: Named[] }>().items;
    expect(min.map((m) => m.code).sort()).toEqual(['defense', 'interior']);
  });

  it('relates specializations symmetrically, never to themselves, and covers the contract codes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/reference/specializations' });
    const items = res.json<{ items: (Named & { related: string[]; ministries: string[] })[] }>().items;
    const byCode = new Map(items.map((s) => [s.code, s]));
    for (const code of ['infantry', 'law', 'criminal_investigation', 'facility_protection', 'training', 'military_justice']) {
      expect(byCode.has(code)).toBe(true);
    }
    expect(byCode.get('infantry')?.related).toContain('reconnaissance');
    for (const s of items) {
      expect(s.related).not.toContain(s.code);
      expect(s.ministries.length).toBeGreaterThan(0);
      for (const other of s.related) expect(byCode.get(other)?.related).toContain(s.code);
    }
  });

  it('agrees with the codes the API contract names', () => {
    expect(seeds.ranks.map((r) => r.code)).toEqual([...RANK_CODES]);
    expect(seeds.governorates.map((g) => g.code)).toEqual([...GOVERNORATE_CODES]);
  });

  it('loads idempotently: a second seed changes nothing', async () => {
    const before = (await t.app.inject({ method: 'GET', url: '/reference/specializations' })).body;
    await seedReference(t.database.db);
    await seedReference(t.database.db);
    const after = (await t.app.inject({ method: 'GET', url: '/reference/specializations' })).body;
    expect(after).toBe(before);
  });

  it('lets reference answers be cached, unlike personal data', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/reference/ranks' });
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const health = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(health.headers['cache-control']).toBe('no-store');
  });
});
