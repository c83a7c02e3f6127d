import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { checkpointKey } from '../../src/modules/audit/audit.chain.js';
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
    await Promise.all(contexts.map((context, i) => t.app.audit.read(context, { entityType: 'application', entityId: caseId, details: { part: 'case', i } })));
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
    await t.app.audit.read(staffContext(), { entityType: 'document', entityId: caseId });
    // Read through another connection of the pool: the entry is already committed.
    expect(await readsOf(caseId)).toHaveLength(1);
  });

  it('an entry that cannot be serialized fails alone; its neighbours land', async () => {
    const caseId = crypto.randomUUID();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const results = await Promise.allSettled([
      t.app.audit.read(staffContext(), { entityType: 'application', entityId: caseId, details: { n: 1 } }),
      t.app.audit.read(staffContext(), { entityType: 'application', entityId: caseId, details: cyclic }),
      t.app.audit.read(staffContext(), { entityType: 'application', entityId: caseId, details: { n: 3 } }),
      t.app.audit.read(staffContext(), { entityType: 'application', entityId: caseId, details: { n: 4 } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await readsOf(caseId)).toHaveLength(3);
  });

  it('a batch that fails in the database is retried entry by entry: only the bad entry fails, and leaves nothing behind', async () => {
    const before = await headSeq(t);
    // A malformed actor id is refused by the uuid column: the whole batch rolls back.
    const bad = { actor: { id: 'not-a-uuid', role: 'auditor' }, requestId: null, clientAddress: null };
    const first = t.app.audit.read(staffContext(), { entityType: 'application', entityId: 'x' });
    const results = await Promise.allSettled([
      t.app.audit.read(bad, { entityType: 'application', entityId: 'y' }),
      t.app.audit.read(staffContext(), { entityType: 'application', entityId: 'z' }),
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
      for (let i = 0; i < 20; i++) void other.app.audit.read(staffContext(), { entityType: 'application', entityId: caseId });
      await other.app.close();
      const rows = await queryRows<{ n: string }>(other.database.db, sql`select count(*)::text as n from audit_log where entity_id = ${caseId}`);
      expect(Number(rows[0]!.n)).toBe(20);
    } finally {
      await other.close();
    }
  });
});
