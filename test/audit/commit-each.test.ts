import { eq, sql } from 'drizzle-orm';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { checkpointKey } from '../../src/modules/audit/audit.chain.js';
import { verifyChain } from '../../src/modules/audit/audit.verify.js';
import { createAuditWriter, insertWith, type AuditWriter, type InsertWith } from '../../src/modules/audit/audit.writer.js';
import { refreshTokens } from '../../src/modules/auth/auth.table.js';
import { createUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { appendEntries, headSeq, sampleEvent, staffContext } from './helpers.js';

let t: TestApp;
let userId: string;
beforeAll(async () => {
  t = await createTestApp();
  userId = (await createUser(t, { role: 'ministry_staff' })).id;
});
afterAll(() => t.close());

async function verifyQuietly() {
  const key = checkpointKey(t.secrets.auditSigningKey);
  return verifyChain({ database: t.database, publicKey: key.publicKey, keyId: key.keyId, full: true });
}

function sessionRow(forUser: string): { row: InsertWith; tokenHash: string } {
  const tokenHash = randomBytes(32).toString('hex');
  return { row: insertWith(refreshTokens, { familyId: randomUUID(), userId: forUser, tokenHash, expiresAt: new Date(Date.now() + 60_000), mfa: true }), tokenHash };
}

async function sessionStored(tokenHash: string) {
  const [row] = await t.database.db.select({ userId: refreshTokens.userId, mfa: refreshTokens.mfa, expiresAt: refreshTokens.expiresAt }).from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
  return row ?? null;
}

/** A second writer on the same database, as another instance of the service would have. */
function otherInstance(options: { optimisticAttempts?: number } = {}): AuditWriter {
  return createAuditWriter({ hmacKey: t.secrets.auditHmacKey, ...options });
}

describe('commitEach: entries and rows in one statement', () => {
  it('commits the entries and the rows together, typed values stored as their columns', async () => {
    const before = await headSeq(t);
    const { row, tokenHash } = sessionRow(userId);
    const appended = await t.app.audit.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(1) }], [row]);
    expect(appended.map((a) => a.seq)).toEqual([before + 1]);
    expect(await headSeq(t)).toBe(before + 1);
    const stored = await sessionStored(tokenHash);
    expect(stored).toMatchObject({ userId, mfa: true });
    expect(stored!.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });

  it('carries many rows of one table in one statement (a batch of sign-ins)', async () => {
    const before = await headSeq(t);
    const sessions = [1, 2, 3].map(() => sessionRow(userId));
    const entries = [1, 2, 3].map((i) => ({ context: staffContext(), event: sampleEvent(i) }));
    await t.app.audit.commitEach(t.database.db, entries, sessions.map((s) => s.row));
    expect(await headSeq(t)).toBe(before + 3);
    for (const session of sessions) expect(await sessionStored(session.tokenHash)).toMatchObject({ userId });
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });

  it('a row the database refuses takes its entries with it: nothing is written', async () => {
    const before = await headSeq(t);
    const { row, tokenHash } = sessionRow(randomUUID()); // no such user: the foreign key refuses it
    await expect(t.app.audit.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(2) }], [row])).rejects.toThrow();
    expect(await headSeq(t)).toBe(before);
    expect(await sessionStored(tokenHash)).toBeNull();
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });

  it('refuses rows without an entry, and columns the table does not have', async () => {
    const before = await headSeq(t);
    await expect(t.app.audit.commitEach(t.database.db, [], [sessionRow(userId).row])).rejects.toThrow(/there are none/);
    const bogus: InsertWith = { table: refreshTokens, values: { nope: 1 } };
    await expect(t.app.audit.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(3) }], [bogus])).rejects.toThrow(/no column nope/);
    const withSql: InsertWith = { table: refreshTokens, values: { ...sessionRow(userId).row.values, expiresAt: sql`now()` } };
    await expect(t.app.audit.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(4) }], [withSql])).rejects.toThrow(/plain values/);
    expect(await headSeq(t)).toBe(before);
  });

  it('chains correctly when another writer moved the head since its last append (a stale head is re-read)', async () => {
    const other = otherInstance();
    const before = await headSeq(t);
    // Alternate between two writers: each finds its remembered head stale every time.
    for (let i = 0; i < 6; i++) {
      const writer = i % 2 === 0 ? t.app.audit : other;
      await writer.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(i) }]);
    }
    // And the locking path moving it too.
    await appendEntries(t, 2);
    await other.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(9) }]);
    expect(await headSeq(t)).toBe(before + 9);
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });

  it('under concurrent writers (optimistic, locking and group-committed) every entry lands once and the chain verifies', async () => {
    const before = await headSeq(t);
    const others = [otherInstance(), otherInstance()];
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(others[i % 2]!.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(i) }, { context: staffContext(), event: sampleEvent(i + 1) }]));
      work.push(t.app.auditReads.record(staffContext(), { entityType: 'application', entityId: `c-${i}` }));
      work.push(t.app.audit.inTransaction(t.database.db, staffContext(), (_tx, record) => record([sampleEvent(i)])));
    }
    await Promise.all(work);
    expect(await headSeq(t)).toBe(before + 20 * 4);
    const [count] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from audit_log where seq > ${before}`);
    expect(count!.n).toBe(80);
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });

  it('falls back to the chain lock when it cannot append optimistically, with the same all-or-nothing rows', async () => {
    const locking = otherInstance({ optimisticAttempts: 0 });
    const before = await headSeq(t);
    const good = sessionRow(userId);
    await locking.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(1) }], [good.row]);
    expect(await headSeq(t)).toBe(before + 1);
    expect(await sessionStored(good.tokenHash)).not.toBeNull();

    const bad = sessionRow(randomUUID());
    await expect(locking.commitEach(t.database.db, [{ context: staffContext(), event: sampleEvent(2) }], [bad.row])).rejects.toThrow();
    expect(await headSeq(t)).toBe(before + 1);
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });
});
