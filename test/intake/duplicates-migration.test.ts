import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, queryRows, type Database } from '../../src/db/client.js';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.js';
import { refreshStaleDuplicates } from '../../src/modules/applications/applications.duplicates.js';
import { seedReference } from '../../src/modules/reference/reference.seed.js';

/**
 * The migration to graded duplicates keeps what Intake I recorded: its pairs get a grade and evidence
 * at once, an email-only pair (no grade under DESIGN §7) goes; a later one keeps one row per pair,
 * lower id first; and start-up then folds and flags those cases by the full rules.
 */

const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
const GRADED = migrations.findIndex((m) => m.sql.some((statement) => statement.includes('"dedup_version"')));

let database: Database;

async function run(statements: string[]) {
  for (const statement of statements) await database.db.execute(sql.raw(statement));
}

beforeAll(async () => {
  expect(GRADED).toBeGreaterThan(0);
  database = createDatabase({ kind: 'pglite-memory' });
  for (const migration of migrations.slice(0, GRADED)) await run(migration.sql);
  await seedReference(database.db);
});
afterAll(() => database.close());

describe('migrating Intake I’s duplicate candidates', () => {
  it('grades the ID pairs, drops the email-only ones, and start-up recomputes them all', async () => {
    const ids = { a: '00000000-0000-4000-8000-00000000000a', b: '00000000-0000-4000-8000-00000000000b', c: '00000000-0000-4000-8000-00000000000c' };
    for (const [key, id] of Object.entries(ids)) {
      await database.db.execute(sql`insert into applications (id, reference, ministry, channel) values (${id}::uuid, ${`MOI-2026-00000${key}`}, 'interior', 'walk_in')`);
    }
    const person = (id: string, name: string, folded: string, born: string, nationalId: string) =>
      database.db.execute(sql`
        insert into applicants (application_id, full_name_ar, name_ar_folded, full_name_latin, name_latin_folded, birth_date, sex, national_id, email, email_folded, branch, rank, specializations, separation_kind)
        values (${id}::uuid, ${name}, ${folded}, 'Mouhammad Qadri', 'mouhammad qadri', ${born}::date, 'male', ${nationalId}, 'same@example.org', 'same@example.org', 'army', 'captain', array['infantry'], 'defected')`);
    // As Intake I folded them: the Latin name without its Muhammad, and no birth-date rules.
    await person(ids.a, 'أسامة القادري', 'اسامه قادري', '1980-01-01', '11111111111');
    await person(ids.b, 'وليد زهران', 'وليد زهران', '1975-01-01', '11111111111');
    await person(ids.c, 'سمير طحان', 'سمير طحان', '1990-01-01', '22222222222');
    await database.db.execute(sql`insert into duplicate_candidates (application_id, candidate_id, matched_on) values
      (${ids.b}::uuid, ${ids.a}::uuid, array['national_id', 'email']), (${ids.c}::uuid, ${ids.a}::uuid, array['email'])`);

    await run(migrations[GRADED]!.sql);

    const migrated = await queryRows<{ application_id: string; candidate_id: string; grade: string; evidence: unknown }>(
      database.db,
      sql`select application_id, candidate_id, grade, evidence from duplicate_candidates order by application_id`,
    );
    expect(migrated).toEqual([
      {
        application_id: ids.b,
        candidate_id: ids.a,
        grade: 'likely',
        evidence: [
          { field: 'nationalId', how: 'equal' },
          { field: 'email', how: 'equal' },
        ],
      },
    ]);
    const versions = await queryRows<{ dedup_version: number }>(database.db, sql`select dedup_version from applicants`);
    expect(versions.map((v) => v.dedup_version)).toEqual([0, 0, 0]);

    // A pair stored both ways, as the graded rules did until one row per pair.
    await database.db.execute(sql`insert into duplicate_candidates (application_id, candidate_id, grade, evidence) values
      (${ids.a}::uuid, ${ids.c}::uuid, 'possible', '[]'::jsonb), (${ids.c}::uuid, ${ids.a}::uuid, 'possible', '[]'::jsonb)`);

    // Start-up applies every later migration before it recomputes.
    for (const migration of migrations.slice(GRADED + 1)) await run(migration.sql);
    const onePerPair = await queryRows<{ application_id: string; candidate_id: string; grade: string }>(
      database.db,
      sql`select application_id, candidate_id, grade from duplicate_candidates order by candidate_id`,
    );
    expect(onePerPair).toEqual([
      { application_id: ids.a, candidate_id: ids.b, grade: 'likely' },
      { application_id: ids.a, candidate_id: ids.c, grade: 'possible' },
    ]);
    expect(await refreshStaleDuplicates(database.db)).toBe(3);
    const refolded = await queryRows<{ name_latin_folded: string; dedup_version: number }>(database.db, sql`select name_latin_folded, dedup_version from applicants`);
    expect(refolded).toEqual(Array(3).fill({ name_latin_folded: 'muhamad qadri', dedup_version: 1 }));
    const recomputed = await queryRows<{ application_id: string; candidate_id: string; grade: string }>(
      database.db,
      sql`select application_id, candidate_id, grade from duplicate_candidates order by application_id, candidate_id`,
    );
    expect(recomputed).toEqual([{ application_id: ids.a, candidate_id: ids.b, grade: 'likely' }]);
  });
});
