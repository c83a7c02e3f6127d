import { randomUUID } from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../db/client.js';
import { insertCasesBulk } from '../applications/applications.bulk.js';
import { applicantLogin } from '../applications/applications.intake.js';
import { CASE_ENTITY, type CaseChannel } from '../applications/applications.state.js';
import { importBatches } from '../applications/applications.table.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext, ContextualEvent } from '../audit/audit.writer.js';
import type { MinistryCode } from '../reference/reference.codes.js';
import { consentTexts } from '../reference/reference.table.js';
import { hashPassword } from '../users/password.js';
import { createDemoStaff, DEMO_PASSWORD, type DemoStaff } from './demo.accounts.js';
import { demoWindowStart } from './demo.generate.js';
import { analyzeJobs, runJobs, withIndexesAndKeysDeferred } from './demo.indexes.js';
import { prepareHere, prepareInWorker, readAhead, type PreparedUnit } from './demo.prepare.js';
import { DemoRandom } from './demo.random.js';

/**
 * Called in each unit's transaction once its cases exist, with their ids: where duplicate flagging
 * is wired (`flagDuplicates`). May return how many of the cases it flagged (an import batch records it).
 */
export type AfterInsert = (tx: Db, applicationIds: readonly string[]) => Promise<number | void>;

export interface SeedDemoOptions {
  /** How many cases to create. */
  cases: number;
  /** The same seed gives the same data (on the same day: dates are placed relative to `today`). */
  seed?: number;
  /** TOTP secrets of the named accounts are stored encrypted with the service's key. */
  mfaKey: string;
  audit: Pick<AuditTrail, 'appendEach'>;
  /** YYYY-MM-DD, default today (UTC). */
  today?: string;
  /** Registrations and walk-ins per transaction (import batches are one transaction each, like the import route). */
  unitSize?: number;
  /** Write the two ministries' units at the same time (needs two connections: not on the embedded database). */
  parallel?: boolean;
  /**
   * Without it, the cases are written as awaiting the duplicate rules: the service flags them in the
   * background after it starts (`refreshStaleDuplicates`), as it does rows written under older rules.
   */
  afterInsert?: AfterInsert;
  onProgress?: (created: number, total: number) => void;
  /**
   * Drop the secondary indexes and the foreign keys of the tables the seed fills, and build and add
   * them again at the end (default: when there is no `afterInsert`, whose searches would need the
   * indexes). A failed or interrupted seed puts them back too.
   */
  deferIndexes?: boolean;
  /** Stops after the units being written: the seed then fails with DemoInterrupted, its indexes and keys put back. */
  signal?: AbortSignal;
  /**
   * Where the cases are generated and validated: in a worker thread (default), beside the writing, or
   * in this thread between its statements. The data is the same either way.
   */
  prepareIn?: 'worker' | 'here';
}

export interface SeedDemoResult {
  cases: number;
  seconds: number;
  casesPerSecond: number;
  byMinistry: Record<MinistryCode, number>;
  byChannel: Record<CaseChannel, number>;
  importBatches: number;
  /** Second registrations of an officer the generator planted (true duplicates). */
  duplicatesPlanted: number;
  /** What `afterInsert` reported, summed. */
  duplicatesFlagged: number;
  /** The case of the named demo applicant (signs in with its reference and the demo password). */
  applicant: { id: string; reference: string } | null;
  accounts: { email: string; role: string; ministry: string | null; totpSecret: string }[];
  password: string;
}

export class DemoRefused extends Error {
  override name = 'DemoRefused';
}

export class DemoInterrupted extends Error {
  override name = 'DemoInterrupted';
}

/** The tables the cases fill: their secondary indexes are built once at the end rather than row by row. */
export const FILLED_TABLES = ['applications', 'applicants', 'users', 'link_registrations', 'audit_log'] as const;

const DEFAULT_UNIT = 2_000;
/** Units waiting for their lane or being written, with `parallel`: enough that neither lane waits for the other's. */
const UNITS_HANDED_OVER = 3;

/**
 * Fills an empty database with demo data: the named accounts, staff and committees (demo.accounts.ts),
 * then `cases` synthetic officers of both ministries (demo.generate.ts), created in bulk through the
 * same validation and the same bulk insert as imports, each unit in one transaction with its audit
 * entries (as the registration, walk-in and import routes write them). Link registrations get an
 * applicant account without a password, like a registration whose officer never signs in; only the
 * named demo applicant has one. Refuses a database that already has cases or staff accounts.
 */
export async function seedDemo(db: Db, options: SeedDemoOptions): Promise<SeedDemoResult> {
  if (!Number.isInteger(options.cases) || options.cases < 1) throw new DemoRefused('the number of cases must be a positive integer');
  const [state] = await queryRows<{ cases: boolean; staff: boolean }>(
    db,
    sql`select exists (select 1 from applications) as cases, exists (select 1 from users where role <> 'admin') as staff`,
  );
  if (state?.cases || state?.staff) {
    throw new DemoRefused('this database already has cases or staff accounts: demo data goes only into a new, empty database');
  }
  const [consent] = await db.select({ version: consentTexts.version }).from(consentTexts).orderBy(desc(consentTexts.publishedAt), desc(consentTexts.version)).limit(1);
  if (!consent) throw new Error('no consent text: seed the reference data first');

  const seed = options.seed ?? 1;
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const started = performance.now();

  const seeding = () => seedCases(db, options, { seed, today, consentVersion: consent.version });
  const connections = options.parallel ? 2 : 1;
  let result: SeedDemoResult;
  if (options.deferIndexes ?? options.afterInsert === undefined) {
    // One build per index and one check per foreign key at the end instead of row by row, and fresh
    // statistics for the planner (the tables grew from nothing in a minute), all in one stretch of work.
    result = await withIndexesAndKeysDeferred(db, FILLED_TABLES, connections, seeding, { analyze: true });
  } else {
    result = await seeding();
    // Fresh statistics for the planner, a table per connection at a time.
    const failures: unknown[] = [];
    await runJobs(analyzeJobs(db, FILLED_TABLES), connections, failures);
    if (failures.length > 0) throw failures[0];
  }
  result.seconds = (performance.now() - started) / 1000;
  result.casesPerSecond = result.cases / result.seconds;
  return result;
}

/** The named accounts, staff and committees, then the cases unit by unit. */
async function seedCases(db: Db, options: SeedDemoOptions, settings: { seed: number; today: string; consentVersion: string }): Promise<SeedDemoResult> {
  const { seed, today } = settings;
  const { staff } = await db.transaction(async (tx) => {
    const created = await createDemoStaff(tx, { random: new DemoRandom(seed + 7_919), mfaKey: options.mfaKey, linksOpenAt: demoWindowStart(today) });
    await options.audit.appendEach(tx, created.events);
    return created;
  });
  const applicantPasswordHash = await hashPassword(DEMO_PASSWORD);

  const result: SeedDemoResult = {
    cases: 0,
    seconds: 0,
    casesPerSecond: 0,
    byMinistry: { interior: 0, defense: 0 },
    byChannel: { link: 0, walk_in: 0, batch_import: 0 },
    importBatches: 0,
    duplicatesPlanted: 0,
    duplicatesFlagged: 0,
    applicant: null,
    accounts: staff.accounts.map((a) => ({ email: a.email, role: a.role, ministry: a.ministry, totpSecret: a.totpSecret })),
    password: DEMO_PASSWORD,
  };
  const turn = { interior: 0, defense: 0 };
  const enteredBy = (ministry: MinistryCode) => staff.staff[ministry][turn[ministry]++ % staff.staff[ministry].length]!;

  // Units are generated and validated in plan order (so the data does not depend on timing), in a
  // worker thread unless told otherwise, a few ahead, while earlier ones are written. Each ministry's
  // units are written one after the other (its lane), so its references follow the plan; with
  // `parallel`, the two lanes are written at the same time, on two connections (they meet only at
  // the audit chain head, taken last). A unit is handed to its lane without waiting for the lane:
  // with several units of one ministry in a row (the plan has runs of four), the other lane would
  // otherwise stand idle. At most UNITS_HANDED_OVER wait or are written at once.
  const lanes: Record<MinistryCode, Promise<void>> = { interior: Promise.resolve(), defense: Promise.resolve() };
  const handedOver = new Set<Promise<void>>();
  const failed: { error?: Error } = {};
  try {
    const preparing = { seed, today, cases: options.cases, unitSize: options.unitSize ?? DEFAULT_UNIT };
    const source = options.prepareIn === 'here' ? prepareHere(preparing) : prepareInWorker(preparing);
    for await (const prepared of readAhead(source, 2)) {
      const { ministry } = prepared.unit;
      if (options.parallel) {
        while (handedOver.size >= UNITS_HANDED_OVER) await Promise.race(handedOver);
      } else await Promise.all([lanes.interior, lanes.defense]);
      if (failed.error || options.signal?.aborted) break;
      // Never rejects: a failure is kept in `failed`, and the units after it are not written.
      const lane = lanes[ministry].then(async () => {
        if (failed.error || options.signal?.aborted) return;
        try {
          const outcome = await db.transaction((tx) =>
            writeUnit(tx, { prepared, staff, enteredBy, consentVersion: settings.consentVersion, applicantPasswordHash, audit: options.audit, afterInsert: options.afterInsert }),
          );
          for (const demoCase of prepared.cases) {
            result.byChannel[demoCase.channel] += 1;
            if (demoCase.duplicateOf !== null) result.duplicatesPlanted += 1;
          }
          result.byMinistry[ministry] += prepared.cases.length;
          result.cases += prepared.cases.length;
          result.duplicatesFlagged += outcome.flagged;
          if (prepared.unit.kind === 'batch') result.importBatches += 1;
          result.applicant ??= outcome.applicant;
          options.onProgress?.(result.cases, options.cases);
        } catch (error) {
          failed.error ??= error instanceof Error ? error : new Error(String(error));
        }
      });
      lanes[ministry] = lane;
      handedOver.add(lane);
      void lane.then(() => handedOver.delete(lane));
    }
  } catch (error) {
    // Generation failed: the units handed over and not yet begun are not written either.
    failed.error ??= error instanceof Error ? error : new Error(String(error));
  } finally {
    // Also when generation fails: nothing may still be writing once this returns.
    await Promise.all([lanes.interior, lanes.defense]);
  }
  if (failed.error) throw failed.error;
  // Counted once the units being written have committed.
  if (options.signal?.aborted && result.cases < options.cases) throw new DemoInterrupted(`stopped after ${result.cases.toLocaleString('en')} of ${options.cases.toLocaleString('en')} cases`);
  return result;
}

interface WriteUnitArgs {
  prepared: PreparedUnit;
  staff: DemoStaff;
  enteredBy: (ministry: MinistryCode) => string;
  consentVersion: string;
  applicantPasswordHash: string;
  audit: Pick<AuditTrail, 'appendEach'>;
  afterInsert: AfterInsert | undefined;
}

const PUBLIC: AuditContext = { actor: null, requestId: null, clientAddress: null };
const staffContext = (id: string): AuditContext => ({ actor: { id, role: 'ministry_staff' }, requestId: null, clientAddress: null });

/** One unit in one transaction: accounts, cases, link registrations or the batch, the hook, then the audit entries (the chain head last). */
async function writeUnit(tx: Db, args: WriteUnitArgs): Promise<{ flagged: number; applicant: { id: string; reference: string } | null }> {
  const { prepared, staff } = args;
  const events: ContextualEvent[] = [];
  const ids: string[] = [];
  let applicant: { id: string; reference: string } | null = null;

  let batch: { id: string; ministry: MinistryCode; importedBy: string; sha256: string } | null = null;
  if (prepared.unit.kind === 'batch') {
    const { ministry } = prepared.unit.batch;
    if (prepared.sourceSha256 === null) throw new Error('an import batch unit was prepared without the SHA-256 of its rows');
    batch = {
      id: randomUUID(),
      ministry,
      importedBy: args.enteredBy(ministry),
      // The bytes the ministry received: the rows as sent, before cleaning.
      sha256: prepared.sourceSha256,
    };
    await tx.insert(importBatches).values({
      id: batch.id,
      ministry,
      importedBy: batch.importedBy,
      format: 'json',
      rows: prepared.cases.length,
      duplicatesFlagged: 0,
      sha256: batch.sha256,
      createdAt: prepared.cases[0]!.createdAt,
    });
  }

  // One bulk insert per ministry and channel, cases kept in their order within each.
  const groups = new Map<string, number[]>();
  prepared.cases.forEach((c, i) => {
    const key = `${c.ministry}|${c.channel}`;
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  // References follow the order of insertion (channel by channel): the unit's times (two weeks at most)
  // are handed out again in that order, so a later reference never came in earlier.
  const times = prepared.cases.map((c) => c.createdAt).sort((a, b) => a.getTime() - b.getTime());
  let nextTime = 0;
  for (const indexes of groups.values()) {
    const first = prepared.cases[indexes[0]!]!;
    const { ministry, channel } = first;
    const cases = indexes.map((i) => ({ ...prepared.cases[i]!, createdAt: times[nextTime++]! }));
    const applicants = indexes.map((i) => prepared.applicants[i]!);
    let userIds: string[] | undefined;
    if (channel === 'link') {
      // The officer's own account, as a registration creates it; no password (no one signs in as them) but the named demo applicant's.
      const accounts = cases.map((c, k) => ({
        id: randomUUID(),
        email: applicantLogin(),
        name: applicants[k]!.fullNameLatin ?? applicants[k]!.fullNameAr,
        role: 'applicant',
        ministry,
        password_hash: c.demoApplicant ? args.applicantPasswordHash : null,
        created_at: c.createdAt.toISOString(),
        updated_at: c.createdAt.toISOString(),
      }));
      await tx.execute(sql`
        insert into users (id, email, name, role, ministry, password_hash, created_at, updated_at)
        select r.id, r.email, r.name, r.role, r.ministry, r.password_hash, r.created_at, r.updated_at
        from json_populate_recordset(null::users, ${JSON.stringify(accounts)}::json) as r`);
      userIds = accounts.map((a) => a.id);
      accounts.forEach((account) =>
        events.push({
          context: PUBLIC,
          event: {
            action: 'user.created',
            entityType: 'user',
            entityId: account.id,
            changes: { role: { after: 'applicant' }, ministry: { after: ministry }, active: { after: true } },
            personal: { email: { after: account.email }, name: { after: account.name } },
          },
        }),
      );
    }
    const created = await insertCasesBulk(tx, {
      ministry,
      channel,
      cases: applicants,
      createdAt: cases.map((c) => c.createdAt),
      committeeIds: cases.map((c) => staff.committees[ministry][c.committee]!),
      ...(userIds ? { applicantUserIds: userIds, consentVersion: args.consentVersion } : {}),
      ...(batch ? { importBatchId: batch.id } : {}),
      flagLater: args.afterInsert === undefined,
    });
    created.forEach((row, k) => {
      ids.push(row.id);
      const demoCase = cases[k]!;
      if (demoCase.demoApplicant) applicant = row;
      if (channel === 'link') {
        const linkId = staff.links[ministry][demoCase.link]!;
        events.push({
          context: PUBLIC,
          event: {
            action: 'application.registered',
            entityType: CASE_ENTITY,
            entityId: row.id,
            caseId: row.id,
            ministry,
            details: { status: 'submitted', channel, reference: row.reference, linkId, consentVersion: args.consentVersion },
          },
        });
      } else {
        events.push({
          context: staffContext(batch?.importedBy ?? args.enteredBy(ministry)),
          event: {
            action: 'application.created',
            entityType: CASE_ENTITY,
            entityId: row.id,
            caseId: row.id,
            ministry,
            details: { status: 'submitted', channel, reference: row.reference, ...(batch ? { batchId: batch.id } : {}) },
          },
        });
      }
    });
    if (channel === 'link') {
      const rows = created.map((row, k) => ({ applicationId: row.id, linkId: staff.links[ministry][cases[k]!.link]!, createdAt: cases[k]!.createdAt }));
      await tx.execute(sql`
        with registered as (
          insert into link_registrations (application_id, link_id, created_at)
          select r.application_id, r.link_id, r.created_at from json_populate_recordset(null::link_registrations, ${JSON.stringify(
            rows.map((r) => ({ application_id: r.applicationId, link_id: r.linkId, created_at: r.createdAt.toISOString() })),
          )}::json) as r
          returning link_id)
        update registration_links l set registrations_count = l.registrations_count + c.n
        from (select link_id, count(*)::int as n from registered group by link_id) c
        where l.id = c.link_id`);
    }
  }

  const flagged = (await args.afterInsert?.(tx, ids)) ?? 0;
  if (batch) {
    if (flagged > 0) await tx.update(importBatches).set({ duplicatesFlagged: flagged }).where(sql`${importBatches.id} = ${batch.id}`);
    events.push({
      context: staffContext(batch.importedBy),
      event: {
        action: 'import.batch',
        entityType: 'import_batch',
        entityId: batch.id,
        ministry: batch.ministry,
        details: { rows: prepared.cases.length, created: ids.length, duplicatesFlagged: flagged, sha256: batch.sha256, format: 'json' },
      },
    });
  }
  await args.audit.appendEach(tx, events);
  return { flagged, applicant };
}
