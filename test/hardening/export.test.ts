import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { appendEntries, tamper } from '../audit/helpers.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * Issue 10 item 6: an export records its read entry once it has streamed — `success` after the last
 * line; an export that fails midway leaves a `failure` entry, never a successful one.
 */
let t: TestApp;
let auditor: Record<string, string>;
beforeAll(async () => {
  t = await createTestApp();
  auditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
});
afterAll(() => t.close());

async function exportEntries(): Promise<{ seq: number; outcome: string }[]> {
  const rows = await queryRows<{ seq: string; outcome: string }>(
    t.database.db,
    sql`select seq::text, outcome from audit_log where action = 'read' and entity_type = 'audit_log' order by seq`,
  );
  return rows.map((r) => ({ seq: Number(r.seq), outcome: r.outcome }));
}

const exportLog = () =>
  t.app.inject({ method: 'GET', url: '/audit/export', headers: auditor }).then(
    (res) => ({ statusCode: res.statusCode, body: res.body, failed: false }),
    () => ({ statusCode: 0, body: '', failed: true }),
  );

describe('the export’s own read entry', () => {
  it('is written after the last line of a complete export, as a success', async () => {
    await appendEntries(t, 3);
    const before = await exportEntries();
    const res = await exportLog();
    expect(res.statusCode).toBe(200);
    const lines = res.body.trim().split('\n').map((line) => JSON.parse(line) as { seq: number });
    const after = await exportEntries();
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ outcome: 'success' });
    // Not among the lines it exported: it was written once they had all gone.
    expect(after.at(-1)!.seq).toBeGreaterThan(lines.at(-1)!.seq);
  });

  it('an export that fails midway leaves a failure entry, not a successful one', async () => {
    // An entry whose stored text is not JSON, far beyond the head: the export reads up to it and fails.
    const [head] = await queryRows<{ seq: string }>(t.database.db, sql`select seq::text from audit_head where id = 1`);
    const bogus = Number(head!.seq) + 500;
    await tamper(
      t,
      `insert into audit_log (seq, at, action, entity_type, outcome, canonical, prev_hash, hash) values (${bogus}, now(), 'read', 'audit_log', 'success', 'not json', '${'0'.repeat(64)}', '${'f'.repeat(64)}')`,
    );
    const before = await exportEntries();
    const res = await exportLog();
    // The response was cut off (or never completed): not a full export.
    if (!res.failed) expect(res.body.endsWith('\n') && res.body.includes(`"seq":${bogus}`)).toBe(false);
    // The failure entry is written when the stream fails; give the group commit a moment.
    let after = await exportEntries();
    for (let i = 0; i < 40 && after.length === before.length; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await exportEntries();
    }
    const added = after.filter((entry) => !before.some((b) => b.seq === entry.seq));
    expect(added.map((entry) => entry.outcome)).toEqual(['failure']);
  });
});
