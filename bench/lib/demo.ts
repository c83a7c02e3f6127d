/**
 * Databases full of demo data for the suites: `npm run seed:demo`'s core (src/modules/demo) run on a
 * fresh database of the bench server.
 *
 *   const demo = await demoDatabase(ctx.databaseUrl);   // 100,000 cases (BENCH_DEMO_CASES), seed 1
 *   try { … demo.url … } finally { await demo.drop(); }
 *
 * `demoDatabase` seeds a template once per bench process (about 20 s for 100,000 cases on the
 * 2-core machine) and gives each caller its own copy (CREATE DATABASE … TEMPLATE: seconds), so the
 * import and duplicate suites each get an untouched database. The runner drops the templates at the
 * end (`dropDemoTemplates`). A service started on a copy needs the copy's `keys` (MFA_ENCRYPTION_KEY,
 * AUDIT_HMAC_KEY) for the named accounts to sign in and the audit hashes to match.
 */
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { runOnServer, withDatabaseName } from '../../src/db/server-admin.js';
import { refreshStaleDuplicates } from '../../src/modules/applications/applications.duplicates.js';
import { createAuditWriter } from '../../src/modules/audit/audit.writer.js';
import { seedDemo, type AfterInsert, type SeedDemoResult } from '../../src/modules/demo/demo.seed.js';
import { seedReference } from '../../src/modules/reference/reference.seed.js';

export interface DemoKeys {
  mfaKey: string;
  auditHmacKey: string;
}

export interface SeededDatabase {
  name: string;
  url: string;
  database: Database;
  result: SeedDemoResult;
  keys: DemoKeys;
  drop(): Promise<void>;
}

function freshKeys(): DemoKeys {
  return { mfaKey: randomBytes(32).toString('base64url'), auditHmacKey: randomBytes(48).toString('base64url') };
}

/**
 * A new database on the server, migrated, with reference data and `cases` demo cases, seeded as
 * `npm run seed:demo` does (two ministries written at once). The pool stays open (`database`) until `drop()`.
 */
export async function seedDemoDatabase(
  serverUrl: string,
  options: { cases: number; seed?: number; name?: string; keys?: DemoKeys; afterInsert?: AfterInsert; onProgress?: (done: number, total: number) => void },
): Promise<SeededDatabase> {
  const name = options.name ?? `bench_demo_${process.pid}_${randomBytes(3).toString('hex')}`;
  await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`);
  const url = withDatabaseName(serverUrl, name);
  const database = createDatabase({ kind: 'pg', url, poolMax: 4, statementTimeoutMs: 600_000 });
  const drop = async () => {
    await database.close();
    await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    await migrate(database);
    await seedReference(database.db);
    const keys = options.keys ?? freshKeys();
    const result = await seedDemo(database.db, {
      cases: options.cases,
      seed: options.seed ?? 1,
      mfaKey: keys.mfaKey,
      audit: createAuditWriter({ hmacKey: keys.auditHmacKey }),
      parallel: true,
      afterInsert: options.afterInsert,
      onProgress: options.onProgress,
    });
    return { name, url, database, result, keys, drop };
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}

interface Template {
  name: string;
  result: SeedDemoResult;
  keys: DemoKeys;
  /** How long flagging the duplicates of every seeded case took (the service's catch-up). */
  flagSeconds: number;
}
const templates = new Map<string, Promise<Template>>();
let serverOfTemplates: string | undefined;

export interface DemoCopy {
  name: string;
  url: string;
  /** What the seed reported (cases per ministry and channel, the named accounts, the demo applicant). */
  result: SeedDemoResult;
  keys: DemoKeys;
  /** How long flagging the duplicates of every seeded case took, after the seed (the service's catch-up). */
  flagSeconds: number;
  drop(): Promise<void>;
}

/** A database of its own with `cases` demo cases (default BENCH_DEMO_CASES, else 100,000), copied from a template seeded once per process. */
export async function demoDatabase(serverUrl: string, options: { cases?: number; seed?: number } = {}): Promise<DemoCopy> {
  const cases = options.cases ?? (Number(process.env.BENCH_DEMO_CASES) || 100_000);
  const seed = options.seed ?? 1;
  const key = `${cases}:${seed}`;
  serverOfTemplates ??= serverUrl;
  let template = templates.get(key);
  if (!template) {
    template = (async () => {
      const seeded = await seedDemoDatabase(serverUrl, { cases, seed, name: `bench_demo_template_${process.pid}_${cases}_${seed}` });
      // What the service's start-up catch-up would do: the duplicates of the demo cases flagged.
      const started = performance.now();
      const flagged = await refreshStaleDuplicates(seeded.database.db);
      const flagSeconds = (performance.now() - started) / 1000;
      if (flagged !== seeded.result.cases) throw new Error(`the catch-up flagged ${flagged} of ${seeded.result.cases} demo cases`);
      // A template cannot be copied while anyone is connected to it.
      await seeded.database.close();
      return { name: seeded.name, result: seeded.result, keys: seeded.keys, flagSeconds };
    })();
    templates.set(key, template);
  }
  const { name: templateName, result, keys, flagSeconds } = await template;
  const name = `bench_demo_${process.pid}_${randomBytes(3).toString('hex')}`;
  await runOnServer(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${templateName}`);
  return { name, url: withDatabaseName(serverUrl, name), result, keys, flagSeconds, drop: () => runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Drops the templates `demoDatabase` made (the runner calls it at the end). */
export async function dropDemoTemplates(): Promise<void> {
  const made = [...templates.values()];
  templates.clear();
  for (const template of made) {
    const settled = await template.then(
      (t) => t.name,
      () => null,
    );
    if (settled && serverOfTemplates) await runOnServer(serverOfTemplates, `DROP DATABASE IF EXISTS ${settled} WITH (FORCE)`);
  }
}
