import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Db } from '../../src/db/client.js';
import { applicantInput, foldArabic, foldLatin } from '../../src/modules/applications/applicant.fields.js';
import { verifyChain } from '../../src/modules/audit/audit.verify.js';
import { checkpointKey } from '../../src/modules/audit/audit.chain.js';
import { DEMO_PASSWORD, demoTotpSecret, NAMED_ACCOUNTS } from '../../src/modules/demo/demo.accounts.js';
import { addKeyStatement, buildIndexStatement, foreignKeys, secondaryIndexes, withIndexesAndKeysDeferred, type ForeignKeyDefinition, type IndexDefinition } from '../../src/modules/demo/demo.indexes.js';
import { DemoInterrupted, DemoRefused, FILLED_TABLES, seedDemo, type SeedDemoResult } from '../../src/modules/demo/demo.seed.js';
import { main as totpMain } from '../../src/modules/demo/demo-totp.cli.js';
import { main as seedMain } from '../../src/modules/demo/seed-demo.cli.js';
import { prepareHere, prepareInWorker, readAhead, type PreparedUnit } from '../../src/modules/demo/demo.prepare.js';
import * as names from '../../seeds/demo/names.js';
import { bearer } from '../factories.js';
import { createTestApp, createTestDatabase, type TestApp, type TestDatabase } from '../harness.js';

/**
 * Demo data (`npm run seed:demo`, src/modules/demo): deterministic for a seed, valid through the same
 * validation as every case, shaped like real intake (channels, batches, accounts, true duplicates), and
 * the named demo accounts of the README sign in.
 */

const CASES = 300;
const SEED = 42;
const TODAY = new Date().toISOString().slice(0, 10);

let t: TestApp;
let seeded: SeedDemoResult;
const hookCalls: string[][] = [];
const others: TestDatabase[] = [];

beforeAll(async () => {
  t = await createTestApp();
  seeded = await seedDemo(t.database.db, {
    cases: CASES,
    seed: SEED,
    today: TODAY,
    mfaKey: t.secrets.mfaKey,
    audit: t.app.audit,
    unitSize: 100,
    parallel: t.url !== undefined,
    afterInsert: async (tx, ids) => {
      // Inside the unit's transaction: the cases it is given exist there.
      const [row] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from applications where id = any(${sql.param(ids)}::uuid[])`);
      expect(row!.n).toBe(ids.length);
      hookCalls.push([...ids]);
      return 1;
    },
  });
});
afterAll(async () => {
  await t.close();
  await Promise.all(others.map((d) => d.drop()));
});

/** Everything a seed decides, without the random ids, tokens and account logins (nor whether duplicates were flagged yet): one digest. */
async function digest(db: Db): Promise<string> {
  const cases = await queryRows<Record<string, unknown>>(
    db,
    sql`select a.reference, a.ministry, a.channel, a.status, a.created_at, c.name as committee, l.label as link, b.rows as batch_rows, b.sha256 as batch_sha256,
               u.name as account_name, (u.password_hash is not null) as has_password, to_jsonb(p) - 'application_id' - 'dedup_version' as applicant
        from applications a
        join applicants p on p.application_id = a.id
        left join committees c on c.id = a.committee_id
        left join link_registrations lr on lr.application_id = a.id
        left join registration_links l on l.id = lr.link_id
        left join import_batches b on b.id = a.import_batch_id
        left join users u on u.id = a.applicant_user_id
        order by a.reference`,
  );
  const staff = await queryRows<Record<string, unknown>>(
    db,
    sql`select u.email, u.name, u.role, u.ministry, u.mfa_enabled, c.name as committee, m.chair
        from users u left join committee_members m on m.user_id = u.id left join committees c on c.id = m.committee_id
        where u.role <> 'applicant' order by u.email, c.name`,
  );
  return createHash('sha256').update(JSON.stringify({ cases, staff })).digest('hex');
}

/** Every index of the schema as the catalogue defines it. */
/** Every index and every foreign key of the schema, as the catalogue defines them. */
async function indexCatalogue(db: Db): Promise<string[]> {
  const rows = await queryRows<{ entry: string }>(
    db,
    sql`select c.relname || ': ' || pg_get_indexdef(i.indexrelid) as entry from pg_index i join pg_class c on c.oid = i.indexrelid
        join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema()
        union all
        select t.relname || '.' || k.conname || ': ' || pg_get_constraintdef(k.oid) from pg_constraint k join pg_class t on t.oid = k.conrelid
        join pg_namespace n on n.oid = t.relnamespace where n.nspname = current_schema() and k.contype = 'f'
        order by 1`,
  );
  return rows.map((r) => r.entry);
}

async function seedInto(seed: number, prepareIn?: 'worker' | 'here'): Promise<Db> {
  const other = await createTestDatabase();
  others.push(other);
  await seedDemo(other.database.db, { cases: CASES, seed, today: TODAY, mfaKey: t.secrets.mfaKey, audit: t.app.audit, unitSize: 100, ...(prepareIn ? { prepareIn } : {}) });
  return other.database.db;
}

async function signIn(payload: Record<string, string>) {
  return t.app.inject({ method: 'POST', url: '/auth/login', payload });
}

describe('seed:demo', () => {
  it('gives the same data for the same seed (written one ministry at a time or both at once, prepared in a worker or not) and other data for another seed', async () => {
    const [again, here, other] = await Promise.all([seedInto(SEED), seedInto(SEED, 'here'), seedInto(SEED + 1)]);
    const first = await digest(t.database.db);
    expect(await digest(again)).toBe(first);
    expect(await digest(here)).toBe(first);
    expect(await digest(other)).not.toBe(first);
  });

  it('creates the cases it reports, per ministry and channel, in realistic shares, with import batches of their rows', async () => {
    const rows = await queryRows<{ ministry: 'interior' | 'defense'; channel: 'link' | 'walk_in' | 'batch_import'; n: number }>(
      t.database.db,
      sql`select ministry, channel, count(*)::int as n from applications group by 1, 2`,
    );
    const sum = (pick: (r: (typeof rows)[number]) => boolean) => rows.filter(pick).reduce((s, r) => s + r.n, 0);
    expect(sum(() => true)).toBe(CASES);
    expect(seeded.cases).toBe(CASES);
    for (const ministry of ['interior', 'defense'] as const) expect(sum((r) => r.ministry === ministry)).toBe(seeded.byMinistry[ministry]);
    for (const channel of ['link', 'walk_in', 'batch_import'] as const) expect(sum((r) => r.channel === channel)).toBe(seeded.byChannel[channel]);
    expect(seeded.byChannel.link / CASES).toBeGreaterThan(0.4);
    expect(seeded.byChannel.walk_in / CASES).toBeGreaterThan(0.12);
    expect(seeded.byChannel.batch_import).toBe(CASES * 0.2);
    expect(seeded.byMinistry.interior).toBeGreaterThan(0);
    expect(seeded.byMinistry.defense).toBeGreaterThan(seeded.byMinistry.interior / 2);

    const batches = await queryRows<{ rows: number; cases: number; flagged: number; ministry: string; case_ministries: string[] }>(
      t.database.db,
      sql`select b.rows, b.duplicates_flagged as flagged, b.ministry, count(a.id)::int as cases, array_agg(distinct a.ministry) as case_ministries
          from import_batches b join applications a on a.import_batch_id = b.id group by b.id`,
    );
    expect(batches.length).toBe(seeded.importBatches);
    expect(batches.reduce((s, b) => s + b.cases, 0)).toBe(seeded.byChannel.batch_import);
    for (const batch of batches) {
      expect(batch.cases).toBe(batch.rows);
      expect(batch.case_ministries).toEqual([batch.ministry]);
      // What the hook answered for the batch's unit.
      expect(batch.flagged).toBe(1);
    }
    // Every case was handed to the hook once, in the transaction that created it.
    const handed = hookCalls.flat();
    expect(handed.length).toBe(CASES);
    expect(new Set(handed).size).toBe(CASES);
    expect(seeded.duplicatesFlagged).toBe(hookCalls.length);
  });

  it('stores only what the applicant validation accepts, already in its normalized form', async () => {
    const rows = await queryRows<Record<string, unknown>>(
      t.database.db,
      sql`select p.*, to_char(p.birth_date, 'YYYY-MM-DD') as birth, to_char(p.separation_date, 'YYYY-MM-DD') as separation from applicants p`,
    );
    expect(rows).toHaveLength(CASES);
    let withoutContact = 0;
    for (const row of rows) {
      const stored: Record<string, unknown> = {
        fullNameAr: row.full_name_ar,
        fullNameLatin: row.full_name_latin ?? undefined,
        motherNameAr: row.mother_name_ar ?? undefined,
        birthDate: row.birth,
        birthPlace: row.birth_place ?? undefined,
        sex: row.sex,
        nationalId: row.national_id ?? undefined,
        serviceNumber: row.service_number ?? undefined,
        phone: row.phone ?? undefined,
        email: row.email ?? undefined,
        residenceCountry: row.residence_country ?? undefined,
        residenceCity: row.residence_city ?? undefined,
        insideSyria: row.inside_syria ?? undefined,
        branch: row.branch,
        rank: row.rank,
        specializations: row.specializations,
        education: row.education_degree ? { degree: row.education_degree, ...(row.education_field ? { field: row.education_field } : {}) } : undefined,
        separationKind: row.separation_kind,
        separationDate: row.separation ?? undefined,
        lastUnit: row.last_unit ?? undefined,
        yearsOfService: row.years_of_service ?? undefined,
        preferredGovernorates: row.preferred_governorates,
      };
      const parsed = applicantInput.safeParse(Object.fromEntries(Object.entries(stored).filter(([, v]) => v !== undefined)));
      expect(parsed.error?.issues ?? []).toEqual([]);
      // Cleaning what is stored changes nothing: digits are ASCII, phones E.164, text trimmed.
      expect(parsed.data).toEqual(Object.fromEntries(Object.entries(stored).filter(([, v]) => v !== undefined)));
      expect(row.name_ar_folded).toBe(foldArabic(row.full_name_ar as string));
      if (row.full_name_latin) expect(row.name_latin_folded).toBe(foldLatin(row.full_name_latin as string));
      if (!row.phone && !row.email) withoutContact += 1;
    }
    // Imports and walk-ins may come without contacts; link registrations never do.
    expect(withoutContact).toBeGreaterThan(0);
    const [linkWithout] = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from applications a join applicants p on p.application_id = a.id where a.channel = 'link' and p.phone is null and p.email is null`,
    );
    expect(linkWithout!.n).toBe(0);
    const [spread] = await queryRows<{ countries: string[]; inside: number; ranks: number; senior: number; junior: number }>(
      t.database.db,
      sql`select array_agg(distinct residence_country order by residence_country) filter (where residence_country is not null) as countries,
                 count(*) filter (where inside_syria)::int as inside, count(distinct rank)::int as ranks,
                 count(*) filter (where rank in ('colonel', 'brigadier_general', 'major_general', 'general'))::int as senior,
                 count(*) filter (where rank in ('private', 'private_first_class', 'corporal', 'sergeant'))::int as junior
          from applicants`,
    );
    expect(spread!.countries).toEqual(['DE', 'IQ', 'JO', 'LB', 'SY', 'TR']);
    expect(spread!.inside).toBeGreaterThan(0);
    expect(spread!.junior).toBeGreaterThan(spread!.senior * 3);
    const bySpecialization = await queryRows<{ ministry: string; code: string }>(
      t.database.db,
      sql`select distinct a.ministry, p.specializations[1] as code from applications a join applicants p on p.application_id = a.id`,
    );
    const interiorOnly = ['criminal_investigation', 'traffic', 'immigration_passports', 'civil_registry', 'public_security', 'anti_narcotics'];
    const defenseOnly = ['infantry', 'armor', 'artillery', 'aviation', 'naval'];
    expect(bySpecialization.filter((r) => r.ministry === 'defense' && interiorOnly.includes(r.code))).toEqual([]);
    expect(bySpecialization.filter((r) => r.ministry === 'interior' && defenseOnly.includes(r.code))).toEqual([]);
    expect(bySpecialization.some((r) => r.ministry === 'defense' && r.code === 'infantry')).toBe(true);
  });

  it('numbers each ministry’s cases of a year without gaps or repeats, as its counter says', async () => {
    const rows = await queryRows<{ prefix: string; year: string; numbers: number[]; last: number }>(
      t.database.db,
      sql`select split_part(a.reference, '-', 1) as prefix, split_part(a.reference, '-', 2) as year,
                 array_agg(split_part(a.reference, '-', 3)::int order by a.reference) as numbers, max(c.last) as last
          from applications a join case_reference_counters c on c.ministry = a.ministry and c.year = split_part(a.reference, '-', 2)::int
          group by 1, 2`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row.numbers).toEqual(Array.from({ length: row.numbers.length }, (_, i) => i + 1));
      expect(row.last).toBe(row.numbers.length);
    }
    // References follow the order cases came in.
    const [order] = await queryRows<{ out_of_order: number }>(
      t.database.db,
      sql`select count(*)::int as out_of_order from (
            select created_at < lag(created_at) over (partition by ministry, split_part(reference, '-', 2) order by reference) as back from applications) x where back`,
    );
    expect(order!.out_of_order).toBe(0);
  });

  it('gives link registrations an account without a password, and only the named demo applicant one with', async () => {
    const [row] = await queryRows<{ link_without: number; others_with: number; with_password: number; applicants: number }>(
      t.database.db,
      sql`select count(*) filter (where a.channel = 'link' and a.applicant_user_id is null)::int as link_without,
                 count(*) filter (where a.channel <> 'link' and a.applicant_user_id is not null)::int as others_with,
                 (select count(*)::int from users where role = 'applicant' and password_hash is not null) as with_password,
                 (select count(*)::int from users where role = 'applicant') as applicants
          from applications a`,
    );
    expect(row).toEqual({ link_without: 0, others_with: 0, with_password: 1, applicants: seeded.byChannel.link });
    const [links] = await queryRows<{ counted: number; registered: number }>(
      t.database.db,
      sql`select (select sum(registrations_count)::int from registration_links) as counted, (select count(*)::int from link_registrations) as registered`,
    );
    expect(links).toEqual({ counted: seeded.byChannel.link, registered: seeded.byChannel.link });
  });

  it('lets the named accounts sign in as the README says, with their second factor', async () => {
    expect(seeded.accounts.map((a) => a.email)).toEqual(NAMED_ACCOUNTS.map((a) => a.email));
    for (const account of NAMED_ACCOUNTS) {
      const withoutCode = await signIn({ email: account.email, password: DEMO_PASSWORD });
      expect(withoutCode.statusCode).toBe(401);
      expect(withoutCode.json<{ code: string }>().code).toBe('auth.mfa_code_required');
      const res = await signIn({ email: account.email, password: DEMO_PASSWORD, totp: await generate({ secret: demoTotpSecret(account.email) }) });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ user: { role: string; ministry: string | null; mfaEnabled: boolean } }>().user).toMatchObject({
        role: account.role,
        ministry: account.ministry,
        mfaEnabled: true,
      });
    }
    expect((await signIn({ email: 'staff.defense@demo.invalid', password: 'not the demo password', totp: '123456' })).statusCode).toBe(401);

    // The code the README's helper prints is one the service takes.
    const out: string[] = [];
    const code = await totpMain(['chair.defense@demo.invalid'], { stdin: process.stdin, stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } }, () => Date.now() + 30_000);
    expect(code).toBe(0);
    const chair = await signIn({ email: 'chair.defense@demo.invalid', password: DEMO_PASSWORD, totp: out.join('').trim() });
    expect(chair.statusCode).toBe(200);

    const applicant = await signIn({ reference: seeded.applicant!.reference, password: DEMO_PASSWORD });
    expect(applicant.statusCode).toBe(200);
    const own = await t.app.inject({ method: 'GET', url: `/applications/${seeded.applicant!.id}`, headers: bearer(applicant.json<{ accessToken: string }>().accessToken) });
    expect(own.statusCode).toBe(200);
    // A registered officer without a password cannot sign in with the demo password.
    const [other] = await queryRows<{ reference: string }>(
      t.database.db,
      sql`select a.reference from applications a join users u on u.id = a.applicant_user_id where u.password_hash is null limit 1`,
    );
    expect((await signIn({ reference: other!.reference, password: DEMO_PASSWORD })).statusCode).toBe(401);
  });

  it('routes every case to a committee of its ministry, the named applicant’s to the named chair and member', async () => {
    const [row] = await queryRows<{ unrouted: number; wrong: number; committees: number }>(
      t.database.db,
      sql`select count(*) filter (where a.committee_id is null)::int as unrouted, count(*) filter (where c.ministry <> a.ministry)::int as wrong,
                 count(distinct a.committee_id)::int as committees
          from applications a left join committees c on c.id = a.committee_id`,
    );
    expect(row).toEqual({ unrouted: 0, wrong: 0, committees: 5 });
    const seats = await queryRows<{ email: string; chair: boolean }>(
      t.database.db,
      sql`select u.email, m.chair from applications a join committee_members m on m.committee_id = a.committee_id join users u on u.id = m.user_id
          where a.id = ${seeded.applicant!.id} and u.email like '%.interior@demo.invalid'`,
    );
    expect(seats.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { email: 'chair.interior@demo.invalid', chair: true },
      { email: 'member.interior@demo.invalid', chair: false },
    ]);
    const [chairs] = await queryRows<{ without: number }>(
      t.database.db,
      sql`select count(*)::int as without from committees c where not exists (select 1 from committee_members m where m.committee_id = c.id and m.chair)`,
    );
    expect(chairs!.without).toBe(0);
  });

  it('plants true duplicates: the same officer again, same birth date, the name spelled another way', async () => {
    const pairs = await queryRows<{ ar1: string; ar2: string; latin1: string | null; latin2: string | null; same_id: boolean }>(
      t.database.db,
      sql`select p1.full_name_ar as ar1, p2.full_name_ar as ar2, p1.full_name_latin as latin1, p2.full_name_latin as latin2,
                 (p1.national_id = p2.national_id or p1.service_number = p2.service_number) as same_id
          from applicants p1 join applications a1 on a1.id = p1.application_id
          join applicants p2 on p2.name_ar_folded = p1.name_ar_folded and p2.birth_date = p1.birth_date and p2.application_id > p1.application_id
          join applications a2 on a2.id = p2.application_id and a2.ministry = a1.ministry`,
    );
    expect(seeded.duplicatesPlanted).toBeGreaterThan(0);
    expect(pairs.length).toBeGreaterThanOrEqual(seeded.duplicatesPlanted);
    expect(pairs.some((p) => p.ar1 !== p.ar2 || (p.latin1 && p.latin2 && p.latin1 !== p.latin2))).toBe(true);
    expect(pairs.some((p) => p.same_id)).toBe(true);
  });

  it('spells every name of the word lists so that its Arabic forms fold alike', () => {
    for (const name of [...names.maleGivenNames, ...names.femaleGivenNames, ...names.familyNames]) {
      expect(new Set(name.ar.map(foldArabic)).size, name.ar.join(' / ')).toBe(1);
      expect(name.latin.length).toBeGreaterThan(0);
    }
  });

  it('audits what it created, on an intact chain', async () => {
    const [row] = await queryRows<{ cases: number; batches: number; users: number }>(
      t.database.db,
      sql`select count(*) filter (where action in ('application.registered', 'application.created'))::int as cases,
                 count(*) filter (where action = 'import.batch')::int as batches,
                 count(*) filter (where action = 'user.created')::int as users
          from audit_log`,
    );
    const [accounts] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from users`);
    expect(row).toEqual({ cases: CASES, batches: seeded.importBatches, users: accounts!.n });
    const key = checkpointKey(t.secrets.auditSigningKey);
    const report = await verifyChain({ database: t.database, publicKey: key.publicKey, keyId: key.keyId, full: true });
    expect(report.ok).toBe(true);
  });

  it('stops at the first unit that fails, rolled back, with nothing left writing', async () => {
    const other = await createTestDatabase();
    others.push(other);
    let calls = 0;
    const failing = seedDemo(other.database.db, {
      cases: 200,
      seed: 9,
      mfaKey: t.secrets.mfaKey,
      audit: t.app.audit,
      unitSize: 50,
      parallel: other.url !== undefined,
      deferIndexes: true,
      afterInsert: async () => {
        calls += 1;
        if (calls === 3) throw new Error('flagging failed');
      },
    });
    await expect(failing).rejects.toThrow('flagging failed');
    // The indexes dropped for the load were built again all the same.
    expect(await indexCatalogue(other.database.db)).toEqual(await indexCatalogue(t.database.db));
    const [row] = await queryRows<{ cases: number; entries: number }>(
      other.database.db,
      sql`select (select count(*)::int from applications) as cases, (select count(*)::int from audit_log where action in ('application.registered', 'application.created')) as entries`,
    );
    // Whole units only: every case kept has its entry, the failed unit left nothing.
    expect(row!.cases).toBe(row!.entries);
    expect(row!.cases).toBeLessThan(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [after] = await queryRows<{ cases: number }>(other.database.db, sql`select count(*)::int as cases from applications`);
    expect(after!.cases).toBe(row!.cases);
  });

  it('builds the secondary indexes and adds the foreign keys once at the end: the same as the migrations made them, none during the load', async () => {
    const other = await createTestDatabase();
    others.push(other);
    const before = await indexCatalogue(other.database.db);
    const during: number[] = [];
    const keysDuring: number[] = [];
    await seedDemo(other.database.db, {
      cases: 120,
      seed: 4,
      mfaKey: t.secrets.mfaKey,
      audit: t.app.audit,
      unitSize: 40,
      parallel: other.url !== undefined,
      deferIndexes: true,
      afterInsert: async (tx) => {
        during.push((await secondaryIndexes(tx, ['applicants', 'applications', 'audit_log'])).length);
        keysDuring.push((await foreignKeys(tx, FILLED_TABLES)).length);
      },
    });
    expect(during.length).toBeGreaterThan(1);
    expect(during.every((n) => n === 0)).toBe(true);
    expect(keysDuring.every((n) => n === 0)).toBe(true);
    // The keys the cases hold among them: to their ministry, committee, account, batch and link.
    expect((await foreignKeys(other.database.db, FILLED_TABLES)).map((k) => `${k.table}.${k.name}`)).toEqual(
      expect.arrayContaining(['applicants.applicants_application_id_applications_id_fk', 'link_registrations.link_registrations_link_id_registration_links_id_fk']),
    );
    const after = await indexCatalogue(other.database.db);
    expect(after).toEqual(before);
    // Trigram and lookup indexes among them, unique ones never dropped.
    expect((await secondaryIndexes(other.database.db, ['applicants'])).map((i) => i.name)).toEqual(
      expect.arrayContaining(['applicants_name_ar_trgm_idx', 'applicants_name_latin_trgm_idx', 'applicants_national_id_idx']),
    );
    expect(after.some((entry) => entry.startsWith('applications_reference_unique: CREATE UNIQUE INDEX'))).toBe(true);
    // Every filled table analyzed once, in the same stretch of work as the builds.
    const analyzed = await queryRows<{ table: string; n: number }>(
      other.database.db,
      sql`select relname as table, analyze_count::int as n from pg_stat_user_tables where relname = any(${sql.param([...FILLED_TABLES])}::text[]) order by relname`,
    );
    expect(analyzed).toEqual([...FILLED_TABLES].sort().map((table) => ({ table, n: 1 })));
  });

  it('builds every other index when one cannot be built, and reports the load’s own failure before the build’s', async () => {
    const other = await createTestDatabase();
    others.push(other);
    const db = other.database.db;
    const before = await indexCatalogue(db);
    // The load takes the name of a dropped index: that one build fails, the others still run.
    const squat = sql`create index applicants_national_id_idx on applicants (email_folded)`;
    await expect(withIndexesAndKeysDeferred(db, ['applicants'], 2, () => db.execute(squat))).rejects.toThrow(/applicants_national_id_idx/);
    let after = await indexCatalogue(db);
    expect(after.filter((entry) => !before.includes(entry))).toEqual([expect.stringMatching(/^applicants_national_id_idx: .*\(email_folded\)$/)]);
    expect(before.filter((entry) => !after.includes(entry))).toEqual([expect.stringMatching(/^applicants_national_id_idx: .*\(national_id\)$/)]);

    // The same, and the load fails too: its error is the one reported.
    await db.execute(sql`drop index applicants_national_id_idx`);
    await db.execute(sql`create index applicants_national_id_idx on applicants (national_id)`);
    const failingLoad = async () => {
      await db.execute(squat);
      throw new Error('load failed');
    };
    await expect(withIndexesAndKeysDeferred(db, ['applicants'], 1, failingLoad)).rejects.toThrow('load failed');
    after = await indexCatalogue(db);
    expect(after.filter((entry) => !before.includes(entry))).toHaveLength(1);
    expect(after).toHaveLength(before.length);
  });

  it('rebuilds an index and adds a foreign key from their catalogue parts, every name quoted: anything else is refused', async () => {
    const indexes = await secondaryIndexes(t.database.db, FILLED_TABLES);
    expect(indexes.length).toBeGreaterThan(5);
    for (const index of indexes) expect(() => buildIndexStatement(index)).not.toThrow();
    const renderIndex = (i: IndexDefinition) => new PgDialect().sqlToQuery(buildIndexStatement(i)).sql;
    const trigram = indexes.find((i) => i.name === 'applicants_birth_name_ar_trgm_idx')!;
    expect(renderIndex(trigram)).toBe(
      'create index "applicants_birth_name_ar_trgm_idx" on "applicants" using gist ("birth_date" "public"."gist_date_ops", "name_ar_folded" "public"."gist_trgm_ops")',
    );
    const index = indexes.find((i) => i.name === 'applicants_national_id_idx')!;
    expect(renderIndex({ ...index, table: 'applicants"; drop table users; --' })).toContain('on "applicants""; drop table users; --" using btree');
    const wrongIndexes = [{ ...index, plain: false }, { ...index, method: 'drop table' }, { ...index, columns: [] }, { ...index, opclasses: [] }, { ...index, opclassSchemas: [] }];
    for (const wrong of wrongIndexes) expect(() => buildIndexStatement(wrong)).toThrow('index applicants_national_id_idx cannot be built again from its parts');
    // What the parts could not say is marked so by the catalogue itself.
    await t.database.db.execute(sql`create index applicants_partial_probe_idx on applicants (national_id) where national_id is not null`);
    await t.database.db.execute(sql`create index applicants_expression_probe_idx on applicants (lower(email))`);
    await t.database.db.execute(sql`create index applicants_collation_probe_idx on applicants (email collate "C")`);
    try {
      const probes = (await secondaryIndexes(t.database.db, ['applicants'])).filter((i) => i.name.endsWith('_probe_idx'));
      expect(probes.map((i) => [i.name, i.plain])).toEqual([
        ['applicants_collation_probe_idx', false],
        ['applicants_expression_probe_idx', false],
        ['applicants_partial_probe_idx', false],
      ]);
    } finally {
      await t.database.db.execute(sql`drop index applicants_partial_probe_idx, applicants_expression_probe_idx, applicants_collation_probe_idx`);
    }

    const keys = await foreignKeys(t.database.db, FILLED_TABLES);
    expect(keys.length).toBeGreaterThan(5);
    for (const k of keys) expect(() => addKeyStatement(k)).not.toThrow();
    const key = keys.find((k) => k.table === 'applicants')!;
    expect(key).toMatchObject({ columns: ['application_id'], referencedTable: 'applications', referencedColumns: ['id'], onDelete: 'c', match: 's' });
    const render = (k: ForeignKeyDefinition) => new PgDialect().sqlToQuery(addKeyStatement(k)).sql.replace(/\s+/g, ' ');
    expect(render(key)).toBe(
      `alter table "applicants" add constraint "${key.name}" foreign key ("application_id") references "public"."applications" ("id") match simple on update no action on delete cascade not deferrable`,
    );
    // Names from the catalogue are quoted identifiers, whatever they hold.
    expect(render({ ...key, table: 'applicants"; drop table users; --' })).toContain('alter table "applicants""; drop table users; --" add constraint');
    // What it could not say again is refused, before anything is dropped.
    for (const wrong of [{ ...key, match: 'p' }, { ...key, onDelete: 'x' }, { ...key, setColumns: true }, { ...key, columns: [] }, { ...key, referencedColumns: ['id', 'other'] }]) {
      expect(() => addKeyStatement(wrong)).toThrow(`foreign key ${key.name} cannot be added again from its parts`);
    }
  });

  it('adds every other key when a loaded row breaks one, and fails the load with that row’s error', async () => {
    const other = await createTestDatabase();
    others.push(other);
    const db = other.database.db;
    const before = await indexCatalogue(db);
    // Without its keys the table takes a registration of a case and a link that do not exist.
    const orphan = sql`insert into link_registrations (application_id, link_id) values (gen_random_uuid(), gen_random_uuid())`;
    const error = await withIndexesAndKeysDeferred(db, FILLED_TABLES, 2, () => db.execute(orphan)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String((error as { cause?: unknown }).cause ?? error)).toMatch(/violates foreign key constraint "link_registrations_/);
    const after = await indexCatalogue(db);
    // Both keys of that table refused the row; everything else came back.
    expect(before.filter((entry) => !after.includes(entry))).toEqual([
      expect.stringMatching(/^link_registrations\.link_registrations_application_id_.*: FOREIGN KEY/),
      expect.stringMatching(/^link_registrations\.link_registrations_link_id_.*: FOREIGN KEY/),
    ]);
    expect(after.filter((entry) => !before.includes(entry))).toEqual([]);
  });

  it('stops when interrupted after the units being written, whole units kept, the indexes built again', async () => {
    const other = await createTestDatabase();
    others.push(other);
    const interrupt = new AbortController();
    const seeding = seedDemo(other.database.db, {
      cases: 400,
      seed: 6,
      mfaKey: t.secrets.mfaKey,
      audit: t.app.audit,
      unitSize: 50,
      parallel: other.url !== undefined,
      signal: interrupt.signal,
      onProgress: () => interrupt.abort(),
    });
    const error = await seeding.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DemoInterrupted);
    const [row] = await queryRows<{ cases: number; entries: number }>(
      other.database.db,
      sql`select (select count(*)::int from applications) as cases, (select count(*)::int from audit_log where action in ('application.registered', 'application.created')) as entries`,
    );
    expect(row!.cases).toBeGreaterThan(0);
    expect(row!.cases).toBeLessThan(400);
    expect(row!.cases).toBe(row!.entries);
    // The count it reports is what was committed.
    expect((error as Error).message).toBe(`stopped after ${row!.cases} of 400 cases`);
    expect(await indexCatalogue(other.database.db)).toEqual(await indexCatalogue(t.database.db));
  });

  it('reads ahead in order and passes a failure on to the consumer', async () => {
    async function* source() {
      yield 1;
      yield 2;
      throw new Error('generator bug');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of readAhead(source(), 2)) seen.push(value);
      })(),
    ).rejects.toThrow('generator bug');
    expect(seen).toEqual([1, 2]);
  });

  it('analyzes every table it filled, also when its indexes stay in place (a flagging hook)', async () => {
    const analyzed = await queryRows<{ table: string; n: number }>(
      t.database.db,
      sql`select relname as table, analyze_count::int as n from pg_stat_user_tables where relname = any(${sql.param([...FILLED_TABLES])}::text[]) order by relname`,
    );
    expect(analyzed).toEqual([...FILLED_TABLES].sort().map((table) => ({ table, n: 1 })));
  });

  it('prepares the same units in a worker as in this thread, and stops the worker when the consumer stops', async () => {
    const options = { seed: SEED, today: TODAY, cases: 300, unitSize: 40 };
    const collect = async (source: AsyncGenerator<PreparedUnit>) => {
      const units: PreparedUnit[] = [];
      for await (const unit of source) units.push(unit);
      return units;
    };
    const [inWorker, inThread] = await Promise.all([collect(prepareInWorker(options)), collect(prepareHere(options))]);
    expect(inWorker.reduce((n, unit) => n + unit.cases.length, 0)).toBe(300);
    expect(inWorker).toEqual(inThread);
    // A batch carries the SHA-256 of its rows as sent; other units none.
    expect(inWorker.filter((unit) => unit.unit.kind === 'batch').every((unit) => /^[0-9a-f]{64}$/.test(unit.sourceSha256 ?? ''))).toBe(true);
    expect(inWorker.filter((unit) => unit.unit.kind !== 'batch').every((unit) => unit.sourceSha256 === null)).toBe(true);

    // The process's threads (Linux): the worker is one while it runs, and gone once the consumer stops.
    const threads = () => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
    const before = threads();
    const source = prepareInWorker(options);
    await source.next();
    expect(threads()).toBeGreaterThan(before);
    await source.return(undefined);
    expect(threads()).toBe(before);
  });

  it('passes on a failure of the preparation in the worker, as in this thread', async () => {
    // An impossible day: the generator cannot place dates relative to it.
    const options = { seed: SEED, today: '2026-13-45', cases: 50, unitSize: 10 };
    const drain = async (source: AsyncGenerator<PreparedUnit>) => {
      for await (const unit of source) void unit;
    };
    await expect(drain(prepareHere(options))).rejects.toThrow('Invalid time value');
    await expect(drain(prepareInWorker(options))).rejects.toThrow('Invalid time value');
  });

  it('refuses a database that already has cases, and changes nothing', async () => {
    const [before] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from applications`);
    await expect(seedDemo(t.database.db, { cases: 10, seed: 1, mfaKey: t.secrets.mfaKey, audit: t.app.audit })).rejects.toBeInstanceOf(DemoRefused);
    const [after] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from applications`);
    expect(after!.n).toBe(before!.n);
  });
});

describe('npm run seed:demo (the CLI)', () => {
  it('seeds the configured database, prints the accounts and the rate, then refuses a second run', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'seed-demo-'));
    const target = await createTestDatabase();
    others.push(target);
    const run = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await seedMain(argv, {
        stdin: Readable.from([]),
        stdout: { write: (text: string) => (out += text) },
        stderr: { write: (text: string) => (err += text) },
        // The target's URL on a server; the embedded database in DATA_DIR otherwise.
        env: { DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(target.url ? { DATABASE_URL: target.url } : {}) },
      });
      return { code, out, err };
    };
    try {
      expect(await run(['--cases', 'many'])).toMatchObject({ code: 2, err: expect.stringContaining('usage: npm run seed:demo') as unknown });
      expect((await run(['--cases', '10', '--colour'])).code).toBe(2);
      const first = await run(['--cases', '60', '--seed', '3']);
      expect(first.err).toBe('');
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/Seeded 60 cases in [\d.]+ s: [\d,]+ cases\/s/);
      for (const account of NAMED_ACCOUNTS) expect(first.out).toContain(`${account.email}`);
      expect(first.out).toContain(`TOTP secret ${demoTotpSecret('staff.interior@demo.invalid')}`);
      expect(first.out).toMatch(/sign in with \{"reference":"MOI-\d{4}-\d{6}","password":"reintegration demo 2026"\}/);
      const second = await run(['--cases', '60']);
      expect(second).toMatchObject({ code: 1, err: expect.stringContaining('Refused: this database already has cases') as unknown });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
