/**
 * Audit trail figures:
 *  - verify throughput on 1,000,000 entries (goal ≥ 100,000 entries/s), next to the raw SHA-256 rate
 *    of this machine on the same canonical texts, measured in the same run;
 *  - an audited write (the change + its chained entry, one transaction) as a ratio to the same write
 *    without the entry, same run, same concurrency.
 * Works in its own databases created on the bench server, dropped afterwards.
 */
import { sql } from 'drizzle-orm';
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { canonicalJson, chainHash, checkpointKey, GENESIS_HASH, type CanonicalEntry } from '../../src/modules/audit/audit.chain.js';
import { checkpointHook } from '../../src/modules/audit/audit.checkpoints.js';
import { verifyChain } from '../../src/modules/audit/audit.verify.js';
import { auditLogRow, createAuditWriter, type AuditContext } from '../../src/modules/audit/audit.writer.js';
import type { BenchRow, BenchSuite } from '../types.js';
import { withDatabaseName } from '../../src/db/server-admin.js';

const ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const WRITE_SECONDS = Number(process.env.BENCH_AUDIT_WRITE_SECONDS ?? 5);
const INSERT_BATCH = 10_000;


async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function freshDatabase(serverUrl: string, name: string, poolMax: number): Promise<{ database: Database; url: string; drop(): Promise<void> }> {
  await admin(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = withDatabaseName(serverUrl, name);
  const database = createDatabase({ kind: 'pg', url, poolMax, statementTimeoutMs: 600_000 });
  await migrate(database);
  return {
    database,
    url,
    async drop() {
      await database.close();
      await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

const ACTIONS = ['case.screen', 'case.schedule', 'interview.recorded', 'read', 'decision.recorded'];

/** A realistic entry: workflow changes in clear, personal fields as keyed hashes, a few details. */
function entryFor(seq: number, at: string): CanonicalEntry {
  const action = ACTIONS[seq % ACTIONS.length]!;
  const digests = randomBytes(64).toString('hex');
  return {
    seq,
    at,
    actor: { id: randomUUID(), role: 'committee_member' },
    action,
    entityType: 'application',
    entityId: randomUUID(),
    caseId: randomUUID(),
    ministry: 'interior',
    outcome: 'success',
    requestId: randomUUID(),
    clientAddress: `hmac-sha256:${digests.slice(0, 64)}`,
    changes:
      action === 'read'
        ? {}
        : {
            status: { before: 'screening', after: 'interview_scheduled' },
            phone: { before: `hmac-sha256:${digests.slice(0, 64)}`, after: `hmac-sha256:${digests.slice(64)}` },
          },
    details: { reason: 'documents_complete', committeeId: randomUUID() },
  };
}

/**
 * The RFC 8785 text of `entryFor`'s shape, written out by hand because a million calls of the
 * general canonicalizer would dominate the set-up; checked against it on the first entries.
 */
function canonicalOf(e: CanonicalEntry): string {
  const changes = e.changes.status
    ? `{"phone":{"after":"${String(e.changes.phone!.after)}","before":"${String(e.changes.phone!.before)}"},"status":{"after":"interview_scheduled","before":"screening"}}`
    : '{}';
  return (
    `{"action":"${e.action}","actor":{"id":"${e.actor!.id}","role":"${e.actor!.role}"},"at":"${e.at}","caseId":"${e.caseId}","changes":${changes},` +
    `"clientAddress":"${e.clientAddress}","details":{"committeeId":"${String(e.details.committeeId)}","reason":"documents_complete"},` +
    `"entityId":"${e.entityId}","entityType":"${e.entityType}","ministry":"${e.ministry}","outcome":"${e.outcome}","requestId":"${e.requestId}","seq":${e.seq}}`
  );
}

/** Builds the chain in JS and bulk-inserts it (one JSON document per batch); returns the canonical texts. */
export async function loadChain(url: string, count: number): Promise<string[]> {
  const texts: string[] = new Array<string>(count);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    let prevHash = GENESIS_HASH;
    const start = Date.parse('2025-06-01T00:00:00.000Z');
    let inflight: Promise<unknown> = Promise.resolve();
    for (let from = 1; from <= count; from += INSERT_BATCH) {
      const to = Math.min(count, from + INSERT_BATCH - 1);
      const rows: Record<string, unknown>[] = [];
      for (let seq = from; seq <= to; seq++) {
        const at = new Date(start + seq * 1_000).toISOString();
        const entry = entryFor(seq, at);
        const canonical = canonicalOf(entry);
        if (seq <= 10 && canonical !== canonicalJson(entry)) throw new Error('bench entry text is not canonical');
        const hash = chainHash(seq, prevHash, canonical);
        texts[seq - 1] = canonical;
        rows.push(auditLogRow(entry, canonical, prevHash, hash));
        prevHash = hash;
      }
      await inflight;
      // The server parses this batch while the next one is built.
      inflight = client.query('INSERT INTO audit_log SELECT * FROM json_populate_recordset(null::audit_log, $1::json)', [JSON.stringify(rows)]);
    }
    await inflight;
    await client.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [count, prevHash]);
    await client.query('VACUUM ANALYZE audit_log');
  } finally {
    await client.end();
  }
  return texts;
}

/** Completed operations per second of `op`, run by `concurrency` workers for `seconds`. */
async function throughput(op: (worker: number, i: number) => Promise<void>, concurrency: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1_000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await op(worker, i);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1_000);
}

async function writeRatio(serverUrl: string): Promise<BenchRow[]> {
  const db = await freshDatabase(serverUrl, `bench_audit_write_${process.pid}`, 16);
  try {
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = checkpointKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const writer = createAuditWriter({ hmacKey: randomBytes(32).toString('hex'), onAppended: checkpointHook({ key, every: 1_000, minutes: 60 }) });
    await db.database.db.execute(sql`create table bench_cases (id integer primary key, status text not null, version integer not null default 1, updated_at timestamptz not null default now())`);
    await db.database.db.execute(sql`insert into bench_cases (id, status) select g, 'screening' from generate_series(0, 9999) g`);
    const table = sql.identifier('bench_cases');
    const context: AuditContext = { actor: { id: randomUUID(), role: 'committee_member' }, requestId: null, clientAddress: '10.0.0.12' };
    const change = (tx: typeof db.database.db, id: number) =>
      tx.execute(sql`update ${table} set status = 'interview_scheduled', version = version + 1, updated_at = now() where id = ${id}`);
    const rows: BenchRow[] = [];
    for (const concurrency of [1, 16]) {
      const plain = await throughput((w, i) => db.database.db.transaction((tx) => change(tx, (w * 613 + i) % 10_000).then(() => undefined)), concurrency, WRITE_SECONDS);
      const audited = await throughput(
        (w, i) =>
          writer.inTransaction(db.database.db, context, async (tx, record) => {
            const id = (w * 613 + i) % 10_000;
            await change(tx, id);
            await record([{ action: 'case.schedule', entityType: 'application', entityId: String(id), changes: { status: { before: 'screening', after: 'interview_scheduled' } } }]);
          }),
        concurrency,
        WRITE_SECONDS,
      );
      rows.push({
        scenario: `audited write (change + chained entry, durable commit), ${concurrency} concurrent`,
        unit: 'writes/s',
        value: Math.round(audited),
        reference: 'same write without the audit entry',
        referenceValue: Math.round(plain),
      });
    }
    return rows;
  } finally {
    await db.drop();
  }
}

async function verifyThroughput(serverUrl: string): Promise<BenchRow[]> {
  const db = await freshDatabase(serverUrl, `bench_audit_verify_${process.pid}`, 2);
  try {
    // Only the primary key matters to verify; the query indexes would just slow the load down.
    await db.database.db.execute(
      sql.raw('DROP INDEX audit_log_entity_idx, audit_log_actor_idx, audit_log_action_idx, audit_log_at_idx, audit_log_case_idx, audit_log_ministry_idx; ALTER TABLE audit_log DROP CONSTRAINT audit_log_hash_unique'),
    );
    const texts = await loadChain(db.url, ENTRIES);

    // Raw SHA-256 of this machine on the same canonical texts, in the same run.
    let sink = 0;
    const hashStart = performance.now();
    for (const text of texts) sink ^= createHash('sha256').update(text).digest()[0]!;
    const shaRate = texts.length / ((performance.now() - hashStart) / 1_000);
    if (sink === -1) throw new Error('unreachable');
    // Verify starts from the database alone, with no copy of the chain held in this process.
    texts.length = 0;

    const { privateKey } = generateKeyPairSync('ed25519');
    const key = checkpointKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const started = performance.now();
    const report = await verifyChain({ database: db.database, publicKey: key.publicKey, keyId: key.keyId, full: true });
    const seconds = (performance.now() - started) / 1_000;
    if (!report.ok || report.checked !== ENTRIES) throw new Error(`verify failed on the bench chain: ${JSON.stringify(report)}`);
    const rate = Math.round(report.checked / seconds);
    const scenario = `audit verify, full chain of ${ENTRIES.toLocaleString('en')} entries (${seconds.toFixed(2)} s)`;
    return [
      { scenario, unit: 'entries/s', value: rate, reference: 'goal', referenceValue: 100_000, goalRatio: 1 },
      { scenario, unit: 'entries/s', value: rate, reference: 'raw SHA-256 of the same canonical texts, one core', referenceValue: Math.round(shaRate) },
    ];
  } finally {
    await db.drop();
  }
}

const suite: BenchSuite = {
  name: 'audit',
  async run(ctx) {
    return [...(await verifyThroughput(ctx.databaseUrl)), ...(await writeRatio(ctx.databaseUrl))];
  },
};

export default suite;
