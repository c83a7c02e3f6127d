import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { checkpointKey } from '../../src/modules/audit/audit.chain.js';
import { createReadRecorder } from '../../src/modules/audit/audit.reads.js';
import { verifyChain } from '../../src/modules/audit/audit.verify.js';
import { createTestApp, type TestApp } from '../harness.js';
import { entryCount, headSeq, staffContext } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function verifyQuietly() {
  const key = checkpointKey(t.secrets.auditSigningKey);
  return verifyChain({ database: t.database, publicKey: key.publicKey, keyId: key.keyId, full: true });
}

async function readsOf(entityId: string): Promise<{ seq: string; at: string; action: string; actor_id: string | null }[]> {
  return queryRows(t.database.db, sql`select seq::text, at::text, action, actor_id::text from audit_log where entity_id = ${entityId} order by seq`);
}

describe('reads are recorded by group commit', () => {
  it('200 concurrent reads all land, in far fewer commits than entries, and the chain verifies', async () => {
    const before = await entryCount(t);
    const caseId = crypto.randomUUID();
    const contexts = Array.from({ length: 200 }, () => staffContext());
    await Promise.all(contexts.map((context, i) => t.app.auditReads.record(context, { entityType: 'application', entityId: caseId, details: { part: 'case', i } })));
    const rows = await readsOf(caseId);
    expect(rows).toHaveLength(200);
    expect(await entryCount(t)).toBe(before + 200);
    expect(rows.every((r) => r.action === 'read')).toBe(true);
    // Each entry carries its own request's actor.
    expect(new Set(rows.map((r) => r.actor_id))).toEqual(new Set(contexts.map((c) => c.actor!.id)));
    // One batch = one transaction = one time stamp: the chain lock was taken once per batch.
    const batches = new Set(rows.map((r) => r.at)).size;
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches).toBeLessThan(50);
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });

  it('a read resolves only once its entry is committed', async () => {
    const caseId = crypto.randomUUID();
    await t.app.auditReads.record(staffContext(), { entityType: 'document', entityId: caseId });
    // Read through another connection of the pool: the entry is already committed.
    expect(await readsOf(caseId)).toHaveLength(1);
  });

  it('an entry that cannot be serialized fails alone; its neighbours land', async () => {
    const caseId = crypto.randomUUID();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const results = await Promise.allSettled([
      t.app.auditReads.record(staffContext(), { entityType: 'application', entityId: caseId, details: { n: 1 } }),
      t.app.auditReads.record(staffContext(), { entityType: 'application', entityId: caseId, details: cyclic }),
      t.app.auditReads.record(staffContext(), { entityType: 'application', entityId: caseId, details: { n: 3 } }),
      t.app.auditReads.record(staffContext(), { entityType: 'application', entityId: caseId, details: { n: 4 } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await readsOf(caseId)).toHaveLength(3);
  });

  it('a batch that fails in the database is retried entry by entry: only the bad entry fails, and leaves nothing behind', async () => {
    const before = await headSeq(t);
    // A malformed actor id is refused by the uuid column: the whole batch rolls back.
    const bad = { actor: { id: 'not-a-uuid', role: 'auditor' }, requestId: null, clientAddress: null };
    const first = t.app.auditReads.record(staffContext(), { entityType: 'application', entityId: 'x' });
    const results = await Promise.allSettled([
      t.app.auditReads.record(bad, { entityType: 'application', entityId: 'y' }),
      t.app.auditReads.record(staffContext(), { entityType: 'application', entityId: 'z' }),
    ]);
    await first;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(await headSeq(t)).toBe(before + 2);
    expect(await queryRows(t.database.db, sql`select 1 from audit_log where seq > ${before} and entity_id = 'y'`)).toHaveLength(0);
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });

  it('flush waits for reads nobody awaited; closing the app flushes them', async () => {
    const other = await createTestApp();
    try {
      const caseId = crypto.randomUUID();
      for (let i = 0; i < 20; i++) void other.app.auditReads.record(staffContext(), { entityType: 'application', entityId: caseId });
      await other.app.close();
      const rows = await queryRows<{ n: string }>(other.database.db, sql`select count(*)::text as n from audit_log where entity_id = ${caseId}`);
      expect(Number(rows[0]!.n)).toBe(20);
    } finally {
      await other.close();
    }
  });

  it('while entries are expected, a batch waits up to the spacing, so entries arriving meanwhile share one commit', async () => {
    const recorder = createReadRecorder({ db: t.database.db, writer: t.app.audit, spacingMs: 400 });
    const caseId = crypto.randomUUID();
    const record = (expected?: ReturnType<typeof recorder.expect>) =>
      recorder.record(staffContext(), { entityType: 'application', entityId: caseId }, expected ? { expected } : {});
    const first = recorder.expect();
    const second = recorder.expect();
    await record(first); // the first batch starts at once
    const landed = record(); // another is still expected: this batch waits for it
    await new Promise((resolve) => setTimeout(resolve, 100));
    const late = record(second); // 100 ms later, inside the spacing: joins the same batch
    await Promise.all([landed, late]);
    const rows = await readsOf(caseId);
    expect(rows).toHaveLength(3);
    expect(rows[1]!.at).toBe(rows[2]!.at);
    expect(rows[0]!.at).not.toBe(rows[1]!.at);
  });

  it('when no entry is expected, batches start at once: a client recording one read after another is not slowed down', async () => {
    const recorder = createReadRecorder({ db: t.database.db, writer: t.app.audit, spacingMs: 5_000 });
    const caseId = crypto.randomUUID();
    const started = performance.now();
    for (let i = 0; i < 3; i++) await recorder.record(staffContext(), { entityType: 'application', entityId: caseId });
    expect(performance.now() - started).toBeLessThan(2_500);
    // An expectation released without an entry (a failed sign-in) does not hold batches back either.
    recorder.expect().release();
    await recorder.record(staffContext(), { entityType: 'application', entityId: caseId });
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(await readsOf(caseId)).toHaveLength(4);
  });
});
