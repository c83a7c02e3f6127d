import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseHistory, type AuditItem, type OwnerHistoryItem, type Page } from '../../src/modules/audit/audit.query.js';
import type { AuditContext, AuditEvent } from '../../src/modules/audit/audit.writer.js';
import { createTestApp, type TestApp } from '../harness.js';

let t: TestApp;
const caseId = crypto.randomUUID();
const ownerId = crypto.randomUUID();
const memberId = crypto.randomUUID();
const chairId = crypto.randomUUID();

beforeAll(async () => {
  t = await createTestApp();
  const owner: AuditContext = { actor: { id: ownerId, role: 'applicant' }, requestId: 'r-owner', clientAddress: '203.0.113.5' };
  const member = { actor: { id: memberId, role: 'committee_member' }, requestId: 'r-member', clientAddress: '10.1.1.1' };
  const chair = { actor: { id: chairId, role: 'committee_member' }, requestId: 'r-chair', clientAddress: '10.1.1.2' };
  const system: AuditContext = { actor: null, requestId: null, clientAddress: null };
  const append = (context: AuditContext, event: AuditEvent) => t.app.audit.append(t.database.db, context, [{ entityType: 'application', entityId: caseId, ...event, caseId }]);
  await append(owner, { action: 'application.registered', changes: { status: { after: 'submitted' } }, personal: { fullNameLatin: { after: 'Mohammad Al-Hamwi' } } });
  await append(member, { action: 'read', details: { part: 'case' } });
  await append(member, { action: 'case.screen', changes: { status: { before: 'submitted', after: 'screening' }, committeeId: { after: 'c-1' } }, details: { reason: 'documents_complete' } });
  await append(member, { action: 'flag.raised', entityType: 'flag', entityId: crypto.randomUUID(), changes: { status: { before: 'screening', after: 'on_hold' }, flagSeverity: { after: 'high' } }, details: { source: 'intelligence' } });
  await append(owner, { action: 'application.updated', outcome: 'denied', details: { reason: 'not_editable' } });
  await append(chair, { action: 'decision.recorded', entityType: 'decision', entityId: crypto.randomUUID(), changes: { status: { before: 'interviewed', after: 'eligible' }, outcome: { after: 'full' } }, details: { reasons: ['fit'] } });
  await append(system, { action: 'notification.sent', details: { channel: 'email' } });
  await t.app.audit.append(t.database.db, member, [{ action: 'case.screen', entityType: 'application', entityId: crypto.randomUUID() }]);
});
afterAll(() => t.close());

describe('case history (service)', () => {
  it('staff and auditors get the whole trail of the case, oldest first, and nothing of other cases', async () => {
    const page = (await caseHistory({ db: t.database.db, caseId, view: { kind: 'full' }, limit: 50 })) as Page<AuditItem>;
    expect(page.items.map((i) => i.action)).toEqual([
      'application.registered',
      'read',
      'case.screen',
      'flag.raised',
      'application.updated',
      'decision.recorded',
      'notification.sent',
    ]);
    // The case's own entries and those of records about it (here a flag), by the entry's case id.
    expect(page.items.every((i) => i.caseId === caseId)).toBe(true);
    expect(page.items.filter((i) => i.entityId !== caseId).map((i) => i.entityType)).toEqual(['flag', 'decision']);
    expect(page.items[2]).toMatchObject({ actor: { id: memberId }, details: { reason: 'documents_complete' } });
    expect(page.nextCursor).toBeNull();
  });

  it('pages oldest first', async () => {
    const first = (await caseHistory({ db: t.database.db, caseId, view: { kind: 'full' }, limit: 4 })) as Page<AuditItem>;
    expect(first.items).toHaveLength(4);
    const rest = (await caseHistory({ db: t.database.db, caseId,
      view: { kind: 'full' },
      limit: 4,
      cursor: first.nextCursor!,
    })) as Page<AuditItem>;
    expect(rest.items.map((i) => i.action)).toEqual(['application.updated', 'decision.recorded', 'notification.sent']);
    expect(rest.items[0]!.seq).toBeGreaterThan(first.items[3]!.seq);
  });

  it('the owner sees their case redacted: no reads, no refused attempts, no staff identities, no details, status only', async () => {
    const page = (await caseHistory({ db: t.database.db, caseId, view: { kind: 'owner', ownerId }, limit: 50 })) as Page<OwnerHistoryItem>;
    expect(page.items.map((i) => [i.action, i.by])).toEqual([
      ['application.registered', 'you'],
      ['case.screen', 'staff'],
      ['flag.raised', 'staff'],
      ['decision.recorded', 'staff'],
      ['notification.sent', 'system'],
    ]);
    expect(page.items[1]!.changes).toEqual({ status: { before: 'submitted', after: 'screening' } });
    expect(page.items[2]!.changes).toEqual({ status: { before: 'screening', after: 'on_hold' } });
    expect(page.items[4]!.changes).toEqual({});
    for (const item of page.items) expect(Object.keys(item).sort()).toEqual(['action', 'at', 'by', 'changes', 'seq']);
    const text = JSON.stringify(page);
    for (const hidden of [memberId, chairId, 'intelligence', 'high', 'documents_complete', 'r-member', '10.1.1.1', 'hmac-sha256', 'c-1']) {
      expect(text).not.toContain(hidden);
    }
  });

  it('the owner view can widen to other workflow fields the route chooses', async () => {
    const page = (await caseHistory({ db: t.database.db, caseId,
      view: { kind: 'owner', ownerId, visibleFields: ['status', 'outcome'] },
      limit: 50,
    })) as Page<OwnerHistoryItem>;
    expect(page.items.find((i) => i.action === 'decision.recorded')?.changes).toEqual({ status: { before: 'interviewed', after: 'eligible' }, outcome: { after: 'full' } });
  });
});
