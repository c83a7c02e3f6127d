import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceCache } from '../../src/modules/reference/reference.cache.js';
import { referenceVersion } from '../../src/modules/reference/reference.table.js';
import { seedReference } from '../../src/modules/reference/reference.seed.js';
import { createTestDatabase, type TestDatabase } from '../harness.js';

let d: TestDatabase;
beforeAll(async () => {
  d = await createTestDatabase();
});
afterAll(() => d.drop());

async function version(): Promise<number> {
  const [row] = await d.database.db.select().from(referenceVersion);
  return row!.version;
}

describe('reference data in memory', () => {
  it('bumps the version on any change to reference tables, the seed included', async () => {
    const before = await version();
    await seedReference(d.database.db);
    const afterSeed = await version();
    expect(afterSeed).toBeGreaterThan(before);
    await d.database.db.execute(sql`update governorates set name_en = name_en where code = 'hama'`);
    expect(await version()).toBeGreaterThan(afterSeed);
  });

  it('serves from memory between checks and reloads once the version moved', async () => {
    let clock = 0;
    const cache = createReferenceCache({ db: d.database.db, checkEveryMs: 1_000, now: () => clock });
    const first = await cache.get();
    expect(first.ranks.items.find((r) => r.code === 'captain')?.nameEn).toBe('Captain');

    await d.database.db.execute(sql`update ranks set name_en = 'Captain (changed)' where code = 'captain'`);
    clock = 500;
    expect(await cache.get()).toBe(first);

    clock = 1_500;
    const second = await cache.get();
    expect(second).not.toBe(first);
    expect(second.ranks.items.find((r) => r.code === 'captain')?.nameEn).toBe('Captain (changed)');

    // Unchanged version: the check does not reload.
    clock = 3_000;
    expect(await cache.get()).toBe(second);
    await d.database.db.execute(sql`update ranks set name_en = 'Captain' where code = 'captain'`);
  });

  it('lets concurrent requests share one check', async () => {
    const cache = createReferenceCache({ db: d.database.db, checkEveryMs: 1_000, now: () => 0 });
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    expect(new Set(all).size).toBe(1);
  });
});
