import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applications } from '../../src/modules/applications/applications.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody } from './helpers.js';

/** Item 6 of issue 11: walk-in entry without contacts, and the applicant account staff hand over. */

let t: TestApp;
let staff: string;

beforeAll(async () => {
  t = await createTestApp();
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
});
afterAll(() => t.close());

interface Issued {
  applicationId: string;
  reference: string;
  userId: string;
  accountCreated: boolean;
  activationCode: string;
}

async function walkIn(): Promise<{ id: string; reference: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/applications',
    headers: bearer(staff),
    payload: { applicant: applicantBody({ phone: undefined, email: undefined, residenceCountry: undefined, residenceCity: undefined, insideSyria: undefined }) },
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

function issue(id: string, token = staff) {
  return t.app.inject({ method: 'POST', url: `/applications/${id}/applicant-account`, headers: bearer(token) });
}

describe('walk-in entry and applicant accounts', () => {
  it('enters an officer without contacts, with no account until staff issue one', async () => {
    const created = await walkIn();
    const [row] = await t.database.db.select().from(applications).where(eq(applications.id, created.id));
    expect(row).toMatchObject({ channel: 'walk_in', status: 'submitted', applicantUserId: null });
  });

  it('issues an activation code the officer redeems, then signs in with the reference', async () => {
    const created = await walkIn();
    const res = await issue(created.id);
    expect(res.statusCode).toBe(200);
    const issued = res.json<Issued>();
    expect(issued).toMatchObject({ applicationId: created.id, reference: created.reference, accountCreated: true });
    const password = 'my own passphrase for sure';
    const activate = await t.app.inject({ method: 'POST', url: '/auth/activate', payload: { code: issued.activationCode, password } });
    expect(activate.statusCode).toBeLessThan(300);
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { reference: created.reference, password } });
    expect(login.statusCode).toBe(200);
    const entries = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.caseId, created.id), eq(auditLog.action, 'application.applicant_account_issued')));
    expect(entries).toHaveLength(1);
  });

  it('is also the way back: a new code for an existing account voids the old one', async () => {
    const created = await walkIn();
    const first = (await issue(created.id)).json<Issued>();
    const second = (await issue(created.id)).json<Issued>();
    expect(second).toMatchObject({ accountCreated: false, userId: first.userId, reference: created.reference });
    const old = await t.app.inject({ method: 'POST', url: '/auth/activate', payload: { code: first.activationCode, password: 'another passphrase here' } });
    expect(old.statusCode).toBe(400);
    const fresh = await t.app.inject({ method: 'POST', url: '/auth/activate', payload: { code: second.activationCode, password: 'another passphrase here' } });
    expect(fresh.statusCode).toBeLessThan(300);
  });

  it('answers 404 to another ministry’s staff and to unknown cases, 403 to other roles', async () => {
    const created = await walkIn();
    const defense = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
    expect((await issue(created.id, defense)).statusCode).toBe(404);
    expect((await issue('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    for (const role of ['committee_member', 'auditor', 'applicant'] as const) {
      const token = await tokenFor(t, await createUser(t, { role }));
      expect((await issue(created.id, token)).statusCode).toBe(403);
    }
    const [row] = await t.database.db.select().from(applications).where(eq(applications.id, created.id));
    expect(row!.applicantUserId).toBeNull();
  });
});
