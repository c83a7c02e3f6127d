import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertCaseVisible,
  assertChair,
  assertCommitteeMember,
  assertMinistryVisible,
  canSeeMinistry,
  ownMinistry,
  visibleMinistries,
} from '../../src/access/scope.js';
import type { Role } from '../../src/access/roles.js';
import { createCommittee, createUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

const actor = (role: Role, ministry: string | null, id = '00000000-0000-4000-8000-0000000000aa') => ({ id, role, ministry });

describe('ministry scope', () => {
  it.each([
    ['committee_member', 'interior', ['interior']],
    ['ministry_staff', 'defense', ['defense']],
    ['auditor', 'interior', ['interior']],
    ['auditor', null, 'all'],
    ['admin', null, []],
    ['applicant', 'interior', []],
  ] as const)('%s of %s sees %j', (role, ministry, expected) => {
    expect(visibleMinistries(actor(role, ministry))).toEqual(expected);
  });

  it('hides other ministries as 404, never 403', () => {
    expect(canSeeMinistry(actor('ministry_staff', 'interior'), 'defense')).toBe(false);
    expect(() => assertMinistryVisible(actor('ministry_staff', 'interior'), 'defense', 'application')).toThrow(
      expect.objectContaining({ status: 404, code: 'application.not_found' }),
    );
    expect(() => assertMinistryVisible(actor('auditor', null), 'defense', 'application')).not.toThrow();
    expect(ownMinistry(actor('auditor', 'interior'))).toBeNull();
    expect(ownMinistry(actor('ministry_staff', 'defense'))).toBe('defense');
  });

  it('shows applicants only their own case, admins none, staff their ministry', () => {
    const mine = { ministry: 'interior', applicantUserId: '00000000-0000-4000-8000-0000000000aa' };
    const theirs = { ministry: 'interior', applicantUserId: '00000000-0000-4000-8000-0000000000bb' };
    expect(() => assertCaseVisible(actor('applicant', 'interior'), mine)).not.toThrow();
    expect(() => assertCaseVisible(actor('applicant', 'interior'), theirs)).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => assertCaseVisible(actor('admin', null), mine)).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => assertCaseVisible(actor('committee_member', 'defense'), mine)).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => assertCaseVisible(actor('auditor', null), theirs)).not.toThrow();
  });
});

describe('committee work and chair checks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('allows members of the case committee, the chair for chair-only actions, and nobody else', async () => {
    const chair = await createUser(t, { role: 'committee_member', ministry: 'interior' });
    const member = await createUser(t, { role: 'committee_member', ministry: 'interior' });
    const outsider = await createUser(t, { role: 'committee_member', ministry: 'interior' });
    const committee = await createCommittee(t, { ministry: 'interior', members: [{ userId: chair.id, chair: true }, { userId: member.id }] });
    await createCommittee(t, { ministry: 'interior', members: [{ userId: outsider.id, chair: true }] });
    const record = { ministry: 'interior', committeeId: committee.id };
    const db = t.database.db;

    await expect(assertCommitteeMember(db, { ...chair }, record)).resolves.toMatchObject({ committeeId: committee.id, chair: true });
    await expect(assertCommitteeMember(db, { ...member }, record)).resolves.toMatchObject({ chair: false });
    await expect(assertCommitteeMember(db, { ...outsider }, record)).rejects.toMatchObject({ status: 403, code: 'committee.not_member' });
    await expect(assertChair(db, { ...chair }, record)).resolves.toMatchObject({ chair: true });
    await expect(assertChair(db, { ...member }, record)).rejects.toMatchObject({ status: 403, code: 'committee.not_chair' });
    // The chair of another committee is not the chair of this one.
    await expect(assertChair(db, { ...outsider }, record)).rejects.toMatchObject({ status: 403 });
    // Staff of the ministry and members of the other ministry are not committee members of the case.
    const staff = await createUser(t, { role: 'ministry_staff', ministry: 'interior' });
    await expect(assertCommitteeMember(db, { ...staff }, record)).rejects.toMatchObject({ status: 403 });
    const foreign = await createUser(t, { role: 'committee_member', ministry: 'defense' });
    await expect(assertCommitteeMember(db, { ...foreign }, { ministry: 'interior', committeeId: null })).rejects.toMatchObject({ status: 403 });
  });

  it('lets nobody work a case not yet given to a committee: it never resolves to an arbitrary committee of the ministry', async () => {
    const member = await createUser(t, { role: 'committee_member', ministry: 'defense' });
    const chair = await createUser(t, { role: 'committee_member', ministry: 'defense' });
    const loner = await createUser(t, { role: 'committee_member', ministry: 'defense' });
    await createCommittee(t, { ministry: 'defense', members: [{ userId: member.id }, { userId: chair.id, chair: true }] });
    const record = { ministry: 'defense', committeeId: null };
    await expect(assertCommitteeMember(t.database.db, { ...member }, record)).rejects.toMatchObject({ status: 403, code: 'committee.not_member' });
    await expect(assertCommitteeMember(t.database.db, { ...chair }, record)).rejects.toMatchObject({ status: 403, code: 'committee.not_member' });
    await expect(assertChair(t.database.db, { ...chair }, record)).rejects.toMatchObject({ status: 403, code: 'committee.not_chair' });
    await expect(assertChair(t.database.db, { ...member }, record)).rejects.toMatchObject({ status: 403 });
    await expect(assertCommitteeMember(t.database.db, { ...loner }, record)).rejects.toMatchObject({ status: 403 });
  });
});
