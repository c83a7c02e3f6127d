import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { checkpointKey, checkpointSignatureValid } from '../../src/modules/audit/audit.chain.js';
import { checkpointHook, isoTime } from '../../src/modules/audit/audit.checkpoints.js';
import { createAuditWriter } from '../../src/modules/audit/audit.writer.js';
import { createTestApp, type TestApp } from '../harness.js';
import { sampleEvent, staffContext } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function checkpoints(): Promise<{ seq: number; hash: string; signedAt: string; keyId: string; signature: string }[]> {
  const rows = await queryRows<{ seq: string; hash: string; signed_at: string; key_id: string; signature: string }>(
    t.database.db,
    sql`select seq::text, hash, signed_at::text, key_id, signature from audit_checkpoints order by audit_checkpoints.seq`,
  );
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, signedAt: isoTime(r.signed_at), keyId: r.key_id, signature: r.signature }));
}

describe('checkpoint schedule', () => {
  it('signs the head when the minutes have passed, even between multiples of N, and not more often', async () => {
    const key = checkpointKey(t.secrets.auditSigningKey);
    let now = Date.parse('2026-03-01T10:00:00.000Z');
    const writer = createAuditWriter({ hmacKey: t.secrets.auditHmacKey, onAppended: checkpointHook({ key, every: 1_000, minutes: 15, now: () => new Date(now) }) });
    const append = (n: number) => writer.append(t.database.db, staffContext(), Array.from({ length: n }, (_, i) => sampleEvent(i)));
    await append(3);
    now += 14 * 60_000;
    await append(1);
    expect(await checkpoints()).toEqual([]);
    now += 60_000;
    const [head] = await append(2).then((e) => e.slice(-1));
    now += 60_000;
    await append(1);
    const signed = await checkpoints();
    expect(signed).toHaveLength(1);
    expect(signed[0]).toMatchObject({ seq: head!.seq, hash: head!.hash, signedAt: '2026-03-01T10:15:00.000Z', keyId: key.keyId });
    expect(checkpointSignatureValid(key.publicKey, signed[0]!.seq, signed[0]!.hash, signed[0]!.signedAt, signed[0]!.signature)).toBe(true);
    // The signature covers seq, hash and time: change any and it no longer verifies.
    expect(checkpointSignatureValid(key.publicKey, signed[0]!.seq + 1, signed[0]!.hash, signed[0]!.signedAt, signed[0]!.signature)).toBe(false);
    expect(checkpointSignatureValid(key.publicKey, signed[0]!.seq, signed[0]!.hash, '2026-03-01T10:16:00.000Z', signed[0]!.signature)).toBe(false);
  });

  it('a batch that crosses a multiple of N is signed at its last entry; a rolled-back one leaves no checkpoint', async () => {
    const key = checkpointKey(t.secrets.auditSigningKey);
    const writer = createAuditWriter({ hmacKey: t.secrets.auditHmacKey, onAppended: checkpointHook({ key, every: 10, minutes: 10_000 }) });
    const before = (await checkpoints()).length;
    await expect(
      t.database.db.transaction(async (tx) => {
        await writer.append(tx, staffContext(), Array.from({ length: 12 }, (_, i) => sampleEvent(i)));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await checkpoints()).toHaveLength(before);
    const entries = await writer.append(t.database.db, staffContext(), Array.from({ length: 12 }, (_, i) => sampleEvent(i)));
    const after = await checkpoints();
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash });
  });

  it('refuses a signing key that is not Ed25519', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => checkpointKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/Ed25519/);
  });
});
