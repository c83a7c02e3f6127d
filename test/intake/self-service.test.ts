import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as seeds from '../../seeds/reference.js';
import { applicants } from '../../src/modules/applications/applicant.table.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { applicantBody } from './helpers.js';

/** Item 7 of issue 11: the applicant reads and corrects their own case, and withdraws it. */

let t: TestApp;
let staff: string;
let linkToken: string;
let seq = 0;

interface Case {
  id: string;
  status: string;
  version: number;
  allowedActions: string[];
  applicant: Record<string, unknown>;
}

beforeAll(async () => {
  t = await createTestApp();
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
  linkToken = (await t.app.inject({ method: 'POST', url: '/registration-links', headers: bearer(staff), payload: { label: 'self' } })).json<{ token: string }>().token;
});
afterAll(() => t.close());

async function registered(): Promise<{ id: string; token: string }> {
  seq += 1;
  const res = await t.app.inject({
    method: 'POST',
    url: `/register/${linkToken}`,
    remoteAddress: `10.9.0.${seq}`,
    payload: { ...applicantBody({ email: `self.${seq}@example.org` }), password: 'a long enough passphrase 7', consent: { accepted: true, textVersion: seeds.consentTexts.at(-1)!.version } },
  });
  expect(res.statusCode).toBe(201);
  const body = res.json<{ applicationId: string; accessToken: string }>();
  return { id: body.applicationId, token: body.accessToken };
}

const read = (id: string, token: string) => t.app.inject({ method: 'GET', url: `/applications/${id}`, headers: bearer(token) });
const patch = (id: string, token: string, applicant: Record<string, unknown>, ifMatch?: string) =>
  t.app.inject({ method: 'PATCH', url: `/applications/${id}`, headers: { ...bearer(token), ...(ifMatch ? { 'if-match': ifMatch } : {}) }, payload: { applicant } });

describe('applicant self-service', () => {
  it('the owner reads the full case with ETag and the actions open to them; staff and auditors too', async () => {
    const me = await registered();
    const res = await read(me.id, me.token);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    const c = res.json<Case>();
    expect(c).toMatchObject({ status: 'submitted', version: 1, allowedActions: ['withdraw'] });
    expect(c.applicant).toMatchObject({ fullNameAr: 'محمد أحمد الحموي', phone: '+905551234567' });
    expect((await read(me.id, staff)).statusCode).toBe(200);
    const auditor = await tokenFor(t, await createUser(t, { role: 'auditor' }));
    expect((await read(me.id, auditor)).statusCode).toBe(200);
  });

  it('shows on_hold to the owner as under review', async () => {
    const me = await registered();
    await t.database.db.update(applications).set({ status: 'on_hold', holdFrom: 'submitted' }).where(eq(applications.id, me.id));
    expect((await read(me.id, me.token)).json<Case>().status).toBe('under_review');
    expect((await read(me.id, staff)).json<Case>().status).toBe('on_hold');
  });

  it('answers 404 to another applicant reading or patching, and to another ministry’s staff', async () => {
    const me = await registered();
    const other = await registered();
    expect((await read(me.id, other.token)).statusCode).toBe(404);
    expect((await patch(me.id, other.token, { residenceCity: 'Izmir' }, '"1"')).statusCode).toBe(404);
    const defense = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
    expect((await read(me.id, defense)).statusCode).toBe(404);
    const [row] = await t.database.db.select().from(applicants).where(eq(applicants.applicationId, me.id));
    expect(row!.residenceCity).toBe('Gaziantep');
  });

  it('needs If-Match: 428 without, 412 stale; a correction bumps the version', async () => {
    const me = await registered();
    expect((await patch(me.id, me.token, { residenceCity: 'Izmir' })).statusCode).toBe(428);
    expect((await patch(me.id, me.token, { residenceCity: 'Izmir' }, '"7"')).statusCode).toBe(412);
    const ok = await patch(me.id, me.token, { residenceCity: 'Izmir', phone: '+90 555 765 43 21' }, '"1"');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect(ok.json<Case>().applicant).toMatchObject({ residenceCity: 'Izmir', phone: '+905557654321' });
    expect((await patch(me.id, me.token, { residenceCity: 'Bursa' }, '"1"')).statusCode).toBe(412);
  });

  it('identity fields only while submitted, contact until closed; bad values and unknown fields refused', async () => {
    const me = await registered();
    expect((await patch(me.id, me.token, { fullNameLatin: 'Muhammad Al-Hamwi' }, '"1"')).statusCode).toBe(200);
    expect((await patch(me.id, me.token, { religion: 'x' }, '"2"')).statusCode).toBe(400);
    expect((await patch(me.id, me.token, { fullNameLatin: 'محمد' }, '"2"')).statusCode).toBe(400);
    expect((await patch(me.id, me.token, { insideSyria: true }, '"2"')).statusCode).toBe(400);
    await t.database.db.update(applications).set({ status: 'screening' }).where(eq(applications.id, me.id));
    const locked = await patch(me.id, me.token, { rank: 'major' }, '"2"');
    expect(locked.statusCode).toBe(409);
    expect(locked.json<{ code: string }>().code).toBe('application.identity_locked');
    expect((await patch(me.id, me.token, { email: 'new.address@example.org' }, '"2"')).statusCode).toBe(200);
    await t.database.db.update(applications).set({ status: 'withdrawn' }).where(eq(applications.id, me.id));
    expect((await patch(me.id, me.token, { email: 'again@example.org' }, '"3"')).statusCode).toBe(409);
  });

  it('withdraws through the transition engine', async () => {
    const me = await registered();
    const res = await t.app.inject({ method: 'POST', url: `/applications/${me.id}/actions/withdraw`, headers: { ...bearer(me.token), 'if-match': '"1"' }, payload: {} });
    expect(res.statusCode).toBe(200);
    expect((await read(me.id, me.token)).json<Case>()).toMatchObject({ status: 'withdrawn', allowedActions: [] });
  });
});
