import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { queryRows } from '../../src/db/client.js';
import type { AuditContext, AuditEvent } from '../../src/modules/audit/audit.writer.js';
import type { TestApp } from '../harness.js';

/** Runs statements one by one as the database superuser (the test connection is one). */
export async function superuser(t: TestApp, ...statements: string[]): Promise<void> {
  for (const statement of statements) await t.database.db.execute(sql.raw(statement));
}

/** Tampers behind the application's back with the append-only triggers disabled, then turns them back on. */
export async function tamper(t: TestApp, ...statements: string[]): Promise<void> {
  await superuser(t, 'ALTER TABLE audit_log DISABLE TRIGGER USER', 'ALTER TABLE audit_checkpoints DISABLE TRIGGER USER');
  try {
    await superuser(t, ...statements);
  } finally {
    await superuser(t, 'ALTER TABLE audit_log ENABLE TRIGGER USER', 'ALTER TABLE audit_checkpoints ENABLE TRIGGER USER');
  }
}

const TABLES = ['audit_log', 'audit_head', 'audit_checkpoints'] as const;

/** Copies the audit tables aside; `restore` puts them back exactly, so each tampering test starts from an intact chain. */
export async function snapshot(t: TestApp): Promise<{ restore(): Promise<void> }> {
  const tag = randomUUID().replace(/-/g, '').slice(0, 8);
  await superuser(t, ...TABLES.map((table) => `CREATE TABLE ${table}_${tag} AS SELECT * FROM ${table}`));
  return {
    async restore() {
      await tamper(
        t,
        ...TABLES.flatMap((table) => [`DELETE FROM ${table}`, `INSERT INTO ${table} SELECT * FROM ${table}_${tag}`, `DROP TABLE ${table}_${tag}`]),
      );
    },
  };
}

export const staffContext = (id: string = randomUUID()): AuditContext => ({
  actor: { id, role: 'committee_member' },
  requestId: `req-${randomUUID().slice(0, 8)}`,
  clientAddress: '192.0.2.10',
});

export function sampleEvent(i: number): AuditEvent {
  return {
    action: 'case.screen',
    entityType: 'application',
    entityId: randomUUID(),
    changes: { status: { before: 'submitted', after: 'screening' } },
    personal: { fullNameLatin: { before: null, after: `Person ${i}` } },
    details: { reason: 'documents_complete', n: i },
  };
}

/** Appends `count` entries, one transaction each, and returns the head seq. */
export async function appendEntries(t: TestApp, count: number, context: AuditContext = staffContext()): Promise<number> {
  for (let i = 0; i < count; i++) {
    await t.app.audit.inTransaction(t.database.db, context, async (_tx, record) => {
      await record([sampleEvent(i)]);
    });
  }
  return headSeq(t);
}

export async function headSeq(t: TestApp): Promise<number> {
  const [row] = await queryRows<{ seq: string }>(t.database.db, sql`select seq::text as seq from audit_head where id = 1`);
  return Number(row!.seq);
}

export async function entryCount(t: TestApp): Promise<number> {
  const [row] = await queryRows<{ n: string }>(t.database.db, sql`select count(*)::text as n from audit_log`);
  return Number(row!.n);
}
