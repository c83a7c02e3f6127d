import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statement } from '../../src/db/statement.js';
import { createTestApp, type TestApp } from '../harness.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t.close();
});

const probe = statement<{ id: string; n: number }>(
  'test_statement_probe',
  sql`select v.id, v.n from (values (${sql.placeholder('id')}::text, ${sql.placeholder('n')}::int)) as v(id, n)`,
);
const version = statement<{ v: number }>('test_statement_version', sql`select version::int + ${sql.placeholder('plus')}::int as v from reference_version`);

describe('statement: a hot statement rendered once and prepared per connection', () => {
  it('runs with each call’s values, many times and at once on the pool', async () => {
    const runs = await Promise.all(Array.from({ length: 30 }, (_, i) => probe.rows(t.database.db, { id: `case-${i}`, n: i })));
    runs.forEach((rows, i) => expect(rows).toEqual([{ id: `case-${i}`, n: i }]));
  });

  it('runs inside the caller’s transaction, seeing what it wrote and nothing after a rollback', async () => {
    const [before] = await version.rows(t.database.db, { plus: 0 });
    await expect(
      t.database.db.transaction(async (tx) => {
        await tx.execute(sql`update reference_version set version = version + 1000`);
        expect(await version.rows(tx, { plus: 1 })).toEqual([{ v: before!.v + 1001 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await version.rows(t.database.db, { plus: 0 })).toEqual([before]);
  });

  it('refuses a second statement under a name already taken', () => {
    expect(() => statement('test_statement_probe', sql`select 1`)).toThrow(/two statements are named test_statement_probe/);
  });
});
