import { sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { verifyChain, type VerifyReport } from '../../src/modules/audit/audit.verify.js';
import { checkpointKey, chainHash, personalDigest } from '../../src/modules/audit/audit.chain.js';
import { checkpointHook } from '../../src/modules/audit/audit.checkpoints.js';
import { createAuditWriter } from '../../src/modules/audit/audit.writer.js';
import { createTestApp, type TestApp } from '../harness.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { appendEntries, entryCount, headSeq, sampleEvent, snapshot, staffContext, superuser, tamper } from './helpers.js';

let t: TestApp;
const matching = (pattern: RegExp) => expect.stringMatching(pattern) as string;
const containing = (text: string) => expect.stringContaining(text) as string;
let auditor: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp({ AUDIT_CHECKPOINT_EVERY: '10', AUDIT_CHECKPOINT_MINUTES: '1440' });
  auditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
  await appendEntries(t, 35);
});
afterAll(() => t.close());

let restore: () => Promise<void>;
beforeEach(async () => {
  const snap = await snapshot(t);
  restore = snap.restore;
  return () => restore();
});

async function verify(query = 'full=true'): Promise<VerifyReport & { verifiedCheckpointSeq: number | null }> {
  const res = await t.app.inject({ method: 'GET', url: `/audit/verify?${query}`, headers: auditor });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** Verifies without recording anything (the route appends an audit.verify entry). */
function verifyQuietly(options: { full?: boolean; checkpoint?: { seq: number; hash: string } } = { full: true }) {
  const key = checkpointKey(t.secrets.auditSigningKey);
  return verifyChain({ database: t.database, publicKey: key.publicKey, keyId: key.keyId, ...options });
}

async function row(seq: number): Promise<{ canonical: string; hash: string; prev_hash: string }> {
  const [r] = await queryRows<{ canonical: string; hash: string; prev_hash: string }>(
    t.database.db,
    sql`select canonical, hash, prev_hash from audit_log where seq = ${seq}`,
  );
  return r!;
}

describe('append-only in the database', () => {
  it.each([
    ['UPDATE', "UPDATE audit_log SET action = 'x' WHERE seq = 3"],
    ['DELETE', 'DELETE FROM audit_log WHERE seq = 3'],
    ['TRUNCATE', 'TRUNCATE audit_log'],
  ])('%s is refused', async (_op, statement) => {
    const before = await entryCount(t);
    await expect(superuser(t, statement)).rejects.toThrow();
    expect(await entryCount(t)).toBe(before);
    expect((await verifyQuietly()).ok).toBe(true);
  });

  it.each([
    ['UPDATE of the signed fields', "UPDATE audit_checkpoints SET hash = repeat('f', 64)"],
    ['DELETE', 'DELETE FROM audit_checkpoints'],
    ['TRUNCATE', 'TRUNCATE audit_checkpoints'],
  ])('checkpoints: %s is refused', async (_op, statement) => {
    const count = async () => (await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from audit_checkpoints`))[0]!.n;
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await expect(superuser(t, statement)).rejects.toThrow();
    expect(await count()).toBe(before);
    expect((await verifyQuietly()).ok).toBe(true);
  });

  it('checkpoints: marking one verified is allowed', async () => {
    await superuser(t, 'UPDATE audit_checkpoints SET verified_at = now()');
    expect((await verifyQuietly()).ok).toBe(true);
  });

  it('the refusal names the operation', async () => {
    const error = await superuser(t, 'DELETE FROM audit_log WHERE seq = 1').then(
      () => null,
      (e: unknown) => e,
    );
    const text = `${String(error)} ${String((error as { cause?: unknown })?.cause)}`;
    expect(text).toMatch(/append-only: DELETE refused/);
  });
});

describe('verify finds tampering behind the application\'s back', () => {
  it('an intact chain verifies, entry by entry, up to the head', async () => {
    const head = await headSeq(t);
    const report = await verifyQuietly();
    expect(report).toMatchObject({ ok: true, checked: head, headSeq: head, firstBadSeq: null, problem: null, mode: 'full' });
    expect(report.headHash).toBe((await row(head)).hash);
    expect(report.checkpointsChecked).toBeGreaterThanOrEqual(3);
  });

  it('an edited entry (canonical text) → changed_entry at its seq', async () => {
    await tamper(t, `UPDATE audit_log SET canonical = replace(canonical, '"screening"', '"eligible"') WHERE seq = 7`);
    const report = await verifyQuietly();
    expect(report).toMatchObject({ ok: false, firstBadSeq: 7, problem: { kind: 'changed_entry' } });
    expect(report.problem?.detail).toMatch(/hash/);
  });

  it('an edited query column → changed_entry at its seq, though the hash still matches', async () => {
    await tamper(t, `UPDATE audit_log SET actor_id = gen_random_uuid() WHERE seq = 12`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 12, problem: { kind: 'changed_entry', detail: matching(/actor/) } });
  });

  it.each([
    ['action', "action = 'read'"],
    ['entity_id', "entity_id = 'someone-else'"],
    ['at', "at = at - interval '1 day'"],
    ['outcome', "outcome = 'failure'"],
  ])('an edited %s column is caught', async (column, assignment) => {
    await tamper(t, `UPDATE audit_log SET ${assignment} WHERE seq = 9`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 9, problem: { kind: 'changed_entry', detail: containing(column) } });
  });

  it('a deleted entry → gap at its seq', async () => {
    await tamper(t, 'DELETE FROM audit_log WHERE seq = 15');
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 15, problem: { kind: 'gap' } });
  });

  it('deleted entries at the end (head left alone) → gap where they start', async () => {
    const head = await headSeq(t);
    await tamper(t, `DELETE FROM audit_log WHERE seq > ${head - 2}`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: head - 1, problem: { kind: 'gap' } });
  });

  it('two entries swapped → found at the first of them', async () => {
    await tamper(t, 'UPDATE audit_log SET seq = -1 WHERE seq = 20', 'UPDATE audit_log SET seq = 20 WHERE seq = 21', 'UPDATE audit_log SET seq = 21 WHERE seq = -1');
    const report = await verifyQuietly();
    expect(report).toMatchObject({ ok: false, firstBadSeq: 20, problem: { kind: 'changed_entry' } });
  });

  it('swapped contents with their seq fields consistent → the moved entry is named', async () => {
    // Move the content of 23 into 22's place, rehashing it for seq 22 but leaving its own seq field.
    const moved = await row(23);
    const prev = await row(22);
    const hash = chainHash(22, prev.prev_hash, moved.canonical);
    await tamper(t, `UPDATE audit_log SET canonical = '${moved.canonical.replace(/'/g, "''")}', hash = '${hash}' WHERE seq = 22`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 22, problem: { kind: 'changed_entry', detail: matching(/moved/) } });
  });

  it('an entry rewritten and rehashed on its own → broken_link at the next seq', async () => {
    const target = await row(17);
    const canonical = target.canonical.replace('"screening"', '"eligible"');
    await tamper(t, `UPDATE audit_log SET canonical = '${canonical.replace(/'/g, "''")}', hash = '${chainHash(17, target.prev_hash, canonical)}' WHERE seq = 17`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 18, problem: { kind: 'broken_link' } });
  });

  it('only chain format v2 verifies: the last entry hashed as v1, head and all consistent → changed_entry', async () => {
    const head = await headSeq(t);
    const last = await row(head);
    const v1 = createHash('sha256').update(`audit/v1\n${head}\n${last.prev_hash}\n${last.canonical}`).digest('hex');
    await tamper(t, `UPDATE audit_log SET hash = '${v1}' WHERE seq = ${head}`, `UPDATE audit_head SET hash = '${v1}' WHERE id = 1`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: head, problem: { kind: 'changed_entry' } });
  });

  it('a head that no longer matches the last entry → head_mismatch', async () => {
    await superuser(t, `UPDATE audit_head SET hash = repeat('a', 64) WHERE id = 1`);
    const head = await headSeq(t);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: head, problem: { kind: 'head_mismatch' } });
  });

  it('entries appended after the head behind the writer\'s back → head_mismatch', async () => {
    const head = await headSeq(t);
    const last = await row(head);
    const canonical = last.canonical.replace(`"seq":${head}`, `"seq":${head + 1}`);
    await superuser(
      t,
      `INSERT INTO audit_log (seq, at, actor_id, actor_role, action, entity_type, entity_id, outcome, request_id, canonical, prev_hash, hash)
       SELECT ${head + 1}, at, actor_id, actor_role, action, entity_type, entity_id, outcome, request_id, '${canonical.replace(/'/g, "''")}', hash, '${chainHash(head + 1, last.hash, canonical)}'
       FROM audit_log WHERE seq = ${head}`,
    );
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: head + 1, problem: { kind: 'head_mismatch' } });
  });

  it('also with the triggers bypassed by session_replication_role = replica', async () => {
    await t.database.withSession(async (db) => {
      await db.execute(sql`SET session_replication_role = replica`);
      try {
        await db.execute(sql`DELETE FROM audit_log WHERE seq = 4`);
      } finally {
        await db.execute(sql`SET session_replication_role = origin`);
      }
    });
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 4, problem: { kind: 'gap' } });
  });

  it('the API reports the same, and records the failed verification', async () => {
    await tamper(t, 'DELETE FROM audit_log WHERE seq = 6');
    const report = await verify();
    expect(report).toMatchObject({ ok: false, firstBadSeq: 6, problem: { kind: 'gap' }, verifiedCheckpointSeq: null });
    const [entry] = await queryRows<{ outcome: string; canonical: string }>(
      t.database.db,
      sql`select outcome, canonical from audit_log where action = 'audit.verify' order by seq desc limit 1`,
    );
    expect(entry?.outcome).toBe('failure');
    expect((JSON.parse(entry!.canonical) as { details: unknown }).details).toMatchObject({ firstBadSeq: 6, problem: 'gap', via: 'api' });
  });
});

describe('checkpoints', () => {
  it('are signed every N entries and check out with the published public key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/audit/checkpoints?limit=200', headers: auditor });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ publicKey: string; keyId: string; items: { seq: number; hash: string; message: string; signature: string; signedAt: string }[] }>();
    expect(body.items.map((c) => c.seq)).toEqual([30, 20, 10]);
    const { createPublicKey, verify } = await import('node:crypto');
    const publicKey = createPublicKey(body.publicKey);
    for (const c of body.items) {
      expect(c.message).toBe(`audit-checkpoint/v1|${c.seq}|${c.hash}|${c.signedAt}`);
      expect(verify(null, Buffer.from(c.message), publicKey, Buffer.from(c.signature, 'base64'))).toBe(true);
      expect(c.hash).toBe((await row(c.seq)).hash);
    }
    expect(body.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
  });

  it('a tail rewritten consistently (entries and head re-hashed, checkpoints removed) passes a plain verify but not the checkpoint held outside', async () => {
    const outside = (await t.app.inject({ method: 'GET', url: '/audit/checkpoints?limit=1', headers: auditor })).json<{ items: { seq: number; hash: string }[] }>().items[0]!;
    const head = await headSeq(t);
    const from = outside.seq - 3;
    // The attacker re-hashes every entry from `from` to the head, as a superuser could.
    let prevHash = (await row(from)).prev_hash;
    const statements: string[] = [];
    for (let seq = from; seq <= head; seq++) {
      const canonical = (await row(seq)).canonical.replace('"screening"', '"ineligible"');
      const hash = chainHash(seq, prevHash, canonical);
      statements.push(`UPDATE audit_log SET canonical = '${canonical.replace(/'/g, "''")}', prev_hash = '${prevHash}', hash = '${hash}' WHERE seq = ${seq}`);
      prevHash = hash;
    }
    statements.push(`UPDATE audit_head SET hash = '${prevHash}' WHERE id = 1`, `DELETE FROM audit_checkpoints WHERE seq >= ${from}`);
    await tamper(t, ...statements);

    expect((await verifyQuietly()).ok).toBe(true);
    const caught = await verify(`full=true&checkpointSeq=${outside.seq}&checkpointHash=${outside.hash}`);
    expect(caught).toMatchObject({ ok: false, firstBadSeq: outside.seq, problem: { kind: 'checkpoint_mismatch' } });
  });

  it('a tail rewrite that leaves the stored checkpoints is caught by them', async () => {
    const head = await headSeq(t);
    let prevHash = (await row(25)).prev_hash;
    const statements: string[] = [];
    for (let seq = 25; seq <= head; seq++) {
      const canonical = (await row(seq)).canonical.replace('"screening"', '"ineligible"');
      const hash = chainHash(seq, prevHash, canonical);
      statements.push(`UPDATE audit_log SET canonical = '${canonical.replace(/'/g, "''")}', prev_hash = '${prevHash}', hash = '${hash}' WHERE seq = ${seq}`);
      prevHash = hash;
    }
    statements.push(`UPDATE audit_head SET hash = '${prevHash}' WHERE id = 1`);
    await tamper(t, ...statements);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 30, problem: { kind: 'checkpoint_mismatch' } });
    // Re-pointing the stored checkpoint at the forged hash breaks its signature.
    await tamper(t, `UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_log WHERE seq = 30) WHERE seq = 30`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 30, problem: { kind: 'bad_signature' } });
  });

  it('a log cut back below a signed checkpoint (entries deleted, head reset) → checkpoint_mismatch', async () => {
    const at = await row(26);
    await tamper(t, 'DELETE FROM audit_log WHERE seq > 26', `UPDATE audit_head SET seq = 26, hash = '${at.hash}' WHERE id = 1`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: 30, problem: { kind: 'checkpoint_mismatch' } });
  });

  it('a given checkpoint beyond the head → checkpoint_mismatch', async () => {
    const head = await headSeq(t);
    expect(await verifyQuietly({ checkpoint: { seq: head + 5, hash: 'a'.repeat(64) } })).toMatchObject({ ok: false, problem: { kind: 'checkpoint_mismatch' } });
  });

  it('a genuine checkpoint given by the auditor checks out', async () => {
    const c = (await t.app.inject({ method: 'GET', url: '/audit/checkpoints?limit=1', headers: auditor })).json<{ items: { seq: number; hash: string }[] }>().items[0]!;
    expect(await verify(`checkpointSeq=${c.seq}&checkpointHash=${c.hash}`)).toMatchObject({ ok: true, problem: null });
  });

  it('verify is incremental from the last verified checkpoint; full=true goes back to the start', async () => {
    const first = await verify('full=true');
    expect(first).toMatchObject({ ok: true, mode: 'full', fromSeq: 0 });
    expect(first.verifiedCheckpointSeq).toBe(30);
    await appendEntries(t, 3);
    const next = await verify('');
    expect(next).toMatchObject({ ok: true, mode: 'incremental', fromSeq: 30 });
    expect(next.checked).toBeLessThan(first.checked);
    // Tampering before the anchor is beyond an incremental run, and found by a full one.
    await tamper(t, 'DELETE FROM audit_log WHERE seq = 5');
    expect((await verify('')).ok).toBe(true);
    expect(await verify('full=true')).toMatchObject({ ok: false, firstBadSeq: 5, problem: { kind: 'gap' } });
  });

  it('an incremental run re-checks its anchor: a tampered anchor entry is caught', async () => {
    await verify('full=true');
    await tamper(t, `UPDATE audit_log SET canonical = replace(canonical, '"screening"', '"eligible"') WHERE seq = 30`);
    expect(await verify('')).toMatchObject({ ok: false, mode: 'incremental', firstBadSeq: 30, problem: { kind: 'changed_entry' } });
  });

  it('checkpointSeq without checkpointHash is a 400', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/audit/verify?checkpointSeq=10', headers: auditor });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'audit.checkpoint_incomplete' });
    const bad = await t.app.inject({ method: 'GET', url: '/audit/verify?checkpointSeq=10&checkpointHash=xyz', headers: auditor });
    expect(bad.statusCode).toBe(400);
  });
});

describe('writing', () => {
  it('50 concurrent writers produce one unbroken chain', async () => {
    const before = await headSeq(t);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.app.audit.inTransaction(t.database.db, staffContext(), async (_tx, record) => {
          await record([sampleEvent(i), sampleEvent(i + 100)]);
        }),
      ),
    );
    expect(await headSeq(t)).toBe(before + 100);
    const report = await verifyQuietly();
    expect(report).toMatchObject({ ok: true, headSeq: before + 100, checked: before + 100 });
  });

  it('a failed change leaves no entry', async () => {
    const before = await headSeq(t);
    const count = await entryCount(t);
    await expect(
      t.app.audit.inTransaction(t.database.db, staffContext(), async (tx, record) => {
        await record([sampleEvent(1)]);
        await tx.execute(sql`select 1 / 0`);
      }),
    ).rejects.toThrow();
    await expect(
      t.database.db.transaction(async (tx) => {
        await t.app.audit.append(tx, staffContext(), [sampleEvent(2)]);
        throw new Error('the change failed after its entry was written');
      }),
    ).rejects.toThrow('the change failed');
    expect(await headSeq(t)).toBe(before);
    expect(await entryCount(t)).toBe(count);
    expect((await verifyQuietly()).ok).toBe(true);
  });

  it('an append whose guessed head is wrong (its rolled-back append; another instance\'s) chains on the head as committed', async () => {
    const before = await headSeq(t);
    const checked = () => checkpointHook({ key: checkpointKey(t.secrets.auditSigningKey), every: 10, minutes: 1440 });
    // A second writer, as another instance of the service has: it moves the head behind this one's back.
    const other = createAuditWriter({ hmacKey: t.secrets.auditHmacKey, onAppended: checked() });
    // The writer's next guess is the head of an append that rolled back, never committed.
    await expect(
      t.database.db.transaction(async (tx) => {
        await t.app.audit.append(tx, staffContext(), [sampleEvent(1)]);
        throw new Error('rolled back after its entry');
      }),
    ).rejects.toThrow('rolled back');
    // The other writer commits the same seq with another hash: only the hash tells the guess is wrong.
    await other.append(t.database.db, staffContext(), [sampleEvent(2)]);
    await appendEntries(t, 1);
    await other.append(t.database.db, staffContext(), [sampleEvent(3), sampleEvent(4)]);
    await appendEntries(t, 2);
    // Both at once, each guessing while the other moves the head.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? t.app.audit : other).inTransaction(t.database.db, staffContext(), async (_tx, record) => {
          await record([sampleEvent(10 + i)]);
        }),
      ),
    );
    expect(await headSeq(t)).toBe(before + 1 + 1 + 2 + 2 + 20);
    expect(await entryCount(t)).toBe(before + 26);
    expect(await verifyQuietly()).toMatchObject({ ok: true, headSeq: before + 26 });
  });

  // An append that starts while another is not yet committed: the first holds the head until it ends.
  const APPEND_STATEMENTS = new Set(['audit_head_take', 'audit_append', 'audit_append_after']);
  async function behindUncommitted(end: 'commit' | 'rollback'): Promise<{ sent: string[]; before: number }> {
    const before = await headSeq(t);
    // The writer's guess is its last append's head.
    await appendEntries(t, 1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const firstAppended = new Promise<void>((resolve) => (appended = resolve));
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    try {
      const first = t.database.db.transaction(async (tx) => {
        await t.app.audit.append(tx, staffContext(), [sampleEvent(1)]);
        appended();
        await held;
        if (end === 'rollback') throw new Error('rolled back after its entry');
      });
      const settled = first.then(
        () => undefined,
        (error: unknown) => error,
      );
      await firstAppended;
      const second = t.app.audit.inTransaction(t.database.db, staffContext(), async (_tx, record) => {
        await record([sampleEvent(2)]);
      });
      // The second append waits on the head's row lock before the first ends.
      const waiting = async () =>
        (await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%audit_head%'`))[0]!.n;
      for (let i = 0; i < 100 && (await waiting()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await waiting()).toBe(1);
      release();
      await second;
      const error = await settled;
      if (end === 'commit') expect(error).toBeUndefined();
      else expect(error).toBeInstanceOf(Error);
      // A prepared statement by its name, anything else by its text.
      const sent = spy.mock.calls.map(([query]) => (typeof query === 'string' ? query : ((query as { name?: string }).name ?? '')));
      return { sent: sent.filter((name) => APPEND_STATEMENTS.has(name)), before };
    } finally {
      release();
      spy.mockRestore();
    }
  }

  it.skipIf(!inject('testServerUrl'))('an append behind one not yet committed waits for it and chains on its head, in one statement', async () => {
    const { sent, before } = await behindUncommitted('commit');
    expect(sent).toEqual(['audit_append_after', 'audit_append_after']);
    expect(await headSeq(t)).toBe(before + 3);
    expect(await verifyQuietly()).toMatchObject({ ok: true, headSeq: before + 3 });
  });

  it.skipIf(!inject('testServerUrl'))('an append behind one that rolls back chains on the head it finds, one statement more', async () => {
    const { sent, before } = await behindUncommitted('rollback');
    expect(sent).toEqual(['audit_append_after', 'audit_append_after', 'audit_append']);
    expect(await headSeq(t)).toBe(before + 2);
    expect(await entryCount(t)).toBe(before + 2);
    expect(await verifyQuietly()).toMatchObject({ ok: true, headSeq: before + 2 });
  });

  it('entries with awkward text (quotes, backslashes, separators, no actor) verify, and their columns are still checked', async () => {
    const awkward = 'a"b\\c\u001fd\u001e\n"e';
    const head = await headSeq(t);
    await t.app.audit.append(t.database.db, { actor: null, requestId: null, clientAddress: null }, [
      { action: 'read', entityType: 'document', entityId: awkward, details: { part: '","entityId":"x' } },
    ]);
    await t.app.audit.append(t.database.db, { actor: { id: staffContext().actor!.id, role: 'a\\b"' }, requestId: 'r"1', clientAddress: null }, [
      { action: 'read', entityType: 'application', entityId: null, ministry: 'defense' },
    ]);
    expect(await verifyQuietly()).toMatchObject({ ok: true, headSeq: head + 2 });
    await tamper(t, `UPDATE audit_log SET entity_id = 'a' WHERE seq = ${head + 1}`);
    expect(await verifyQuietly()).toMatchObject({ ok: false, firstBadSeq: head + 1, problem: { kind: 'changed_entry', detail: containing('entity_id') } });
  });

  it('entries of several contexts in one append each keep their own client address, as its keyed hash', async () => {
    const head = await headSeq(t);
    const first = { actor: null, requestId: 'r-first', clientAddress: '198.51.100.1' };
    const second = { actor: null, requestId: 'r-second', clientAddress: '198.51.100.2' };
    const none = { actor: null, requestId: 'r-none', clientAddress: null };
    const event = { action: 'read' as const, entityType: 'application', entityId: 'x' };
    await t.database.db.transaction((tx) =>
      t.app.audit.appendEach(tx, [first, second, first, none].map((context) => ({ context, event }))),
    );
    const addresses = await Promise.all([1, 2, 3, 4].map(async (n) => (JSON.parse((await row(head + n)).canonical) as { requestId: string; clientAddress: string | null })));
    expect(addresses.map((a) => a.requestId)).toEqual(['r-first', 'r-second', 'r-first', 'r-none']);
    expect(addresses.map((a) => a.clientAddress)).toEqual([
      personalDigest(t.secrets.auditHmacKey, '198.51.100.1'),
      personalDigest(t.secrets.auditHmacKey, '198.51.100.2'),
      personalDigest(t.secrets.auditHmacKey, '198.51.100.1'),
      null,
    ]);
    expect(addresses[0]!.clientAddress).not.toBe(addresses[1]!.clientAddress);
    expect((await verifyQuietly()).ok).toBe(true);
  });

  it('personal data is stored as keyed hashes, workflow data in clear', async () => {
    const head = await headSeq(t);
    const entry = JSON.parse((await row(head)).canonical) as { changes: Record<string, { after: unknown }> };
    expect(entry.changes.status).toEqual({ before: 'submitted', after: 'screening' });
    expect(entry.changes.fullNameLatin?.after).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect((await row(head)).canonical).not.toContain('Person');
  });
});
