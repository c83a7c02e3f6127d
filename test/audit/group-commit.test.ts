import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { checkpointKey } from '../../src/modules/audit/audit.chain.js';
import { verifyChain } from '../../src/modules/audit/audit.verify.js';
import { createUser, signIn } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { entryCount, headSeq, sampleEvent, staffContext } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function verifyQuietly(app: TestApp = t) {
  const key = checkpointKey(app.secrets.auditSigningKey);
  return verifyChain({ database: app.database, publicKey: key.publicKey, keyId: key.keyId, full: true });
}

describe('audited transactions', () => {
  it('a transaction that records no entry fails and changes nothing', async () => {
    const user = await createUser(t, { role: 'ministry_staff' });
    const before = await headSeq(t);
    await expect(
      t.app.audit.inTransaction(t.database.db, staffContext(), async (tx) => {
        await tx.execute(sql`update users set name = 'changed silently' where id = ${user.id}`);
      }),
    ).rejects.toThrow(/recorded no audit entry/);
    const [row] = await queryRows<{ name: string }>(t.database.db, sql`select name from users where id = ${user.id}`);
    expect(row!.name).not.toBe('changed silently');
    expect(await headSeq(t)).toBe(before);
  });

  it('record() takes only the audited transaction: the outer handle is refused (and does not compile)', async () => {
    let outerRefused: unknown;
    await t.app.audit.inTransaction(t.database.db, staffContext(), async (tx, record) => {
      try {
        // @ts-expect-error the outer database handle is not an audited transaction
        t.app.audit.record(t.database.db, sampleEvent(1));
      } catch (error) {
        outerRefused = error;
      }
      t.app.audit.record(tx, sampleEvent(2));
      await record([sampleEvent(3)]);
    });
    expect(String(outerRefused)).toMatch(/not an audited transaction/);
  });

  it('an event outside the catalogue, or about the wrong entity, is refused before anything is written', async () => {
    const before = await headSeq(t);
    await expect(
      t.app.audit.inTransaction(t.database.db, staffContext(), async (_tx, record) => {
        // @ts-expect-error not in the catalogue
        await record([{ action: 'application.teleported', entityType: 'application' }]);
      }),
    ).rejects.toThrow(/malformed/);
    await expect(t.app.audit.read(staffContext(), { action: 'auth.login', entityType: 'application' })).rejects.toThrow(/about user/);
    expect(await headSeq(t)).toBe(before);
  });

  it('fields the catalogue does not list as workflow data are stored as keyed hashes, by default', async () => {
    const caseId = crypto.randomUUID();
    await t.app.audit.inTransaction(t.database.db, staffContext(), async (_tx, record) => {
      await record([
        {
          action: 'case.screen',
          entityType: 'application',
          entityId: caseId,
          caseId,
          ministry: 'interior',
          changes: { status: { before: 'submitted', after: 'screening' }, phone: { after: '+905551234567' } },
          details: { reason: 'documents_complete', note: 'met him at the border crossing' },
        },
      ]);
    });
    const [row] = await queryRows<{ canonical: string; case_id: string; ministry: string }>(
      t.database.db,
      sql`select canonical, case_id::text, ministry from audit_log where entity_id = ${caseId}`,
    );
    const entry = JSON.parse(row!.canonical) as { changes: Record<string, { after?: unknown }>; details: Record<string, unknown>; clientAddress: string };
    expect(row).toMatchObject({ case_id: caseId, ministry: 'interior' });
    expect(entry.changes.status).toEqual({ before: 'submitted', after: 'screening' });
    expect(entry.details.reason).toBe('documents_complete');
    expect(entry.changes.phone!.after).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(entry.details.note).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    // The client address is location data: only its keyed hash is kept.
    expect(entry.clientAddress).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(row!.canonical).not.toContain('192.0.2.10');
    expect(row!.canonical).not.toContain('border');
  });
});

describe('one lock order for every writer', () => {
  it('an admin transaction holding a users row and then the chain head, while that user signs in, commits on both sides', async () => {
    const user = await createUser(t, { role: 'ministry_staff' });
    const before = await headSeq(t);
    // On the embedded database there is one connection: the same steps run one after the other.
    const admin = t.url ? new pg.Client({ connectionString: t.url }) : null;
    await admin?.connect();
    try {
      await admin?.query('begin');
      await admin?.query('select id from users where id = $1 for update', [user.id]);
      const signingIn = t.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password } });
      // Let the sign-in verify its password and queue behind the row lock.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await admin?.query('select seq from audit_head where id = 1 for update');
      await admin?.query("update users set name = 'renamed by admin' where id = $1", [user.id]);
      await admin?.query('commit');
      const res = await signingIn;
      expect(res.statusCode).toBe(200);
    } finally {
      await admin?.end();
    }
    expect(await headSeq(t)).toBeGreaterThan(before);
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });

  it('sign-ins, reads, refusals and audited changes running together all land once, and the chain verifies', async () => {
    const users = await Promise.all([1, 2, 3, 4].map(() => createUser(t, { role: 'ministry_staff' })));
    const before = await headSeq(t);
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      work.push(signIn(t, users[i % 4]!));
      work.push(t.app.audit.read(staffContext(), { entityType: 'application', entityId: `c-${i}` }));
      work.push(t.app.audit.inTransaction(t.database.db, staffContext(), (_tx, record) => record([sampleEvent(i)])));
    }
    await Promise.all(work);
    expect(await headSeq(t)).toBe(before + 36);
    expect(await verifyQuietly()).toMatchObject({ ok: true });
  });
});

describe('a pool of one connection', () => {
  it('serves concurrent sign-ins, reads and refusals without waiting on itself', async () => {
    const one = await createTestApp({}, { poolMax: 1 });
    try {
      const users = await Promise.all([1, 2, 3].map(() => createUser(one, { role: 'ministry_staff' })));
      const sessions = await Promise.all(users.map((u) => signIn(one, u)));
      const before = await headSeq(one);
      const answers = await Promise.all([
        ...users.map((u) => one.app.inject({ method: 'POST', url: '/auth/login', payload: { email: u.email, password: u.password } })),
        ...users.map((u) => one.app.inject({ method: 'POST', url: '/auth/login', payload: { email: u.email, password: 'wrong password here' } })),
        ...sessions.map((s) => one.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${s.accessToken}` } })),
        ...sessions.map((s) => one.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: s.refreshToken } })),
        ...sessions.map((s) => one.app.inject({ method: 'GET', url: '/audit', headers: { authorization: `Bearer ${s.accessToken}` } })),
      ]);
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 401, 401, 401, 200, 200, 200, 200, 200, 200, 403, 403, 403]);
      // 3 sign-ins, 3 failures, 3 rotations, 3 refusals.
      expect(await headSeq(one)).toBe(before + 12);
      expect(await verifyQuietly(one)).toMatchObject({ ok: true });
    } finally {
      await one.close();
    }
  });
});

describe('refusals without a valid identity', () => {
  it('1,500 anonymous 401s add one entry per address and minute, with the count, and each goes to the log', async () => {
    const other = await createTestApp();
    try {
      await other.app.audit.flush();
      const before = await entryCount(other);
      const logsBefore = other.logs.length;
      const answers = await Promise.all(
        Array.from({ length: 1_500 }, (_, i) =>
          other.app.inject({
            method: 'GET',
            url: '/me',
            remoteAddress: i % 2 === 0 ? '198.51.100.7' : '198.51.100.8',
            headers: i % 3 === 0 ? { authorization: 'Bearer not-a-token' } : {},
          }),
        ),
      );
      expect(answers.every((a) => a.statusCode === 401)).toBe(true);
      await other.app.audit.flush();
      const rows = await queryRows<{ canonical: string }>(other.database.db, sql`select canonical from audit_log where action = 'access.denied_anonymous'`);
      // Two addresses; a minute boundary during the run may split each in two.
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.length).toBeLessThanOrEqual(4);
      expect((await entryCount(other)) - before).toBe(rows.length);
      const counted = rows.map((r) => JSON.parse(r.canonical) as { details: { count: number; reasons: Record<string, number> } });
      expect(counted.reduce((sum, e) => sum + e.details.count, 0)).toBe(1_500);
      expect(counted.reduce((sum, e) => sum + (e.details.reasons.invalid_token ?? 0), 0)).toBe(500);
      expect(other.logs.slice(logsBefore).filter((line) => line.includes('anonymous request refused'))).toHaveLength(1_500);
      expect(await verifyQuietly(other)).toMatchObject({ ok: true });
    } finally {
      await other.close();
    }
  });
});
