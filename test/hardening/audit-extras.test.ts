import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEntries } from '../audit/helpers.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { auditEntries } from '../identity/helpers.js';

/**
 * Issue 10 item 9: the client's X-Request-Id is kept beside the server's own in the audit entry; an
 * incremental verification says what it did not recompute; a full verification runs on a schedule
 * (one instance), with its result in the log and in the audit log (via 'schedule').
 */
interface VerifyBody {
  ok: boolean;
  mode: string;
  fromSeq: number;
  notChecked: { fromSeq: number; toSeq: number; anchorCheckpointSeq: number; reason: string } | null;
}

describe('client request ids and what an incremental run did not check', () => {
  let t: TestApp;
  let auditor: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp({ AUDIT_CHECKPOINT_EVERY: '5' });
    auditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
  });
  afterAll(() => t.close());

  const verify = (query = '', headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: `/audit/verify${query}`, headers: { ...auditor, ...headers } });

  it('keeps a valid client X-Request-Id beside the server’s own id, inside the hashed entry; ignores an invalid one', async () => {
    const res = await verify('?full=true', { 'x-request-id': 'edge-7f3a.2026:01_x' });
    expect(res.statusCode).toBe(200);
    const own = String(res.headers['x-request-id']);
    expect(own).toMatch(/^[0-9a-f-]{36}$/);
    const entry = (await auditEntries(t, 'audit.verify')).find((e) => e.requestId === own);
    expect(entry).toMatchObject({ requestId: own, clientRequestId: 'edge-7f3a.2026:01_x' });
    expect(entry!.raw).toContain('"clientRequestId":"edge-7f3a.2026:01_x"');

    const forged = await verify('?full=true', { 'x-request-id': 'bad id <script>' });
    const forgedEntry = (await auditEntries(t, 'audit.verify')).find((e) => e.requestId === forged.headers['x-request-id']);
    expect(forgedEntry).toBeDefined();
    expect(forgedEntry!.raw).not.toContain('clientRequestId');
    // The query API shows it; the chain still verifies in full.
    const page = await t.app.inject({ method: 'GET', url: '/audit?action=audit.verify', headers: auditor });
    expect(page.json<{ items: { clientRequestId?: string | null }[] }>().items.map((i) => i.clientRequestId ?? null)).toContain('edge-7f3a.2026:01_x');
    expect((await verify('?full=true')).json<VerifyBody>()).toMatchObject({ ok: true, notChecked: null });
  });

  it('an incremental run names the entries before its verified checkpoint as not recomputed', async () => {
    await appendEntries(t, 12);
    const first = (await verify('?full=true')).json<VerifyBody>();
    expect(first).toMatchObject({ ok: true, mode: 'full', notChecked: null });
    await appendEntries(t, 3);
    const next = (await verify()).json<VerifyBody>();
    expect(next.ok).toBe(true);
    expect(next.mode).toBe('incremental');
    expect(next.fromSeq).toBeGreaterThan(1);
    expect(next.notChecked).toMatchObject({ fromSeq: 1, toSeq: next.fromSeq - 1, anchorCheckpointSeq: next.fromSeq });
    expect(next.notChecked!.reason).toMatch(/not recomputed/);
  });
});

describe('the scheduled full verification', () => {
  let t: TestApp;
  beforeAll(async () => {
    // 0.0005 h = 1.8 s; instances check every second.
    t = await createTestApp({ AUDIT_FULL_VERIFY_HOURS: '0.0005' });
    await appendEntries(t, 4);
  });
  afterAll(() => t.close());

  it('runs, logs its result and records audit.verify via schedule', async () => {
    const deadline = Date.now() + 15_000;
    let scheduled: Awaited<ReturnType<typeof auditEntries>> = [];
    while (Date.now() < deadline && scheduled.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      scheduled = (await auditEntries(t, 'audit.verify')).filter((e) => e.details.via === 'schedule');
    }
    expect(scheduled.length).toBeGreaterThan(0);
    expect(scheduled[0]).toMatchObject({ actor: null, outcome: 'success', details: { via: 'schedule', mode: 'full' } });
    const logged = t.logs
      .join('')
      .split('\n')
      .filter((line) => line.includes('scheduled full audit verification'))
      .map((line) => JSON.parse(line) as { ok: boolean; job: string; checked: number });
    expect(logged[0]).toMatchObject({ ok: true, job: 'audit.full_verify' });
    expect(logged[0]!.checked).toBeGreaterThanOrEqual(4);
  });
});
