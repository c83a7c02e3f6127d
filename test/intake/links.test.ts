import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrationLinks } from '../../src/modules/registration/registration.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

/** Item 1 of issue 11: registration links (the storm on a capped link is in registration.test.ts). */

let t: TestApp;
let staff: string;
let defenseStaff: string;

interface Link {
  id: string;
  token: string;
  url: string;
  ministry: string;
  status: string;
  registrationsCount: number;
}

beforeAll(async () => {
  t = await createTestApp({ PUBLIC_BASE_URL: 'https://apply.example.gov.sy/' });
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
  defenseStaff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'defense' }));
});
afterAll(() => t.close());

async function create(body: Record<string, unknown>, token = staff) {
  return t.app.inject({ method: 'POST', url: '/registration-links', headers: bearer(token), payload: body });
}
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe('registration links', () => {
  it('creates a link of the caller’s ministry with a 256-bit token and the published URL, and audits it', async () => {
    const res = await create({ label: 'Gaziantep camp', closesAt: inMinutes(60), maxRegistrations: 100 });
    expect(res.statusCode).toBe(201);
    const link = res.json<Link>();
    expect(link).toMatchObject({ ministry: 'interior', status: 'open', registrationsCount: 0 });
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.url).toBe(`https://apply.example.gov.sy/apply/${link.token}`);
    const entries = await t.database.db.select().from(auditLog).where(eq(auditLog.entityId, link.id));
    expect(entries.map((e) => e.action)).toEqual(['registration_link.created']);
  });

  it('derives scheduled, open, closed, full and revoked', async () => {
    const scheduled = (await create({ label: 'later', opensAt: inMinutes(30), closesAt: inMinutes(60) })).json<Link>();
    expect(scheduled.status).toBe('scheduled');
    const full = (await create({ label: 'capped', maxRegistrations: 1 })).json<Link>();
    await t.database.db.update(registrationLinks).set({ registrationsCount: 1 }).where(eq(registrationLinks.id, full.id));
    const closed = (await create({ label: 'closing' })).json<Link>();
    await t.database.db.update(registrationLinks).set({ closesAt: new Date(Date.now() - 1000) }).where(eq(registrationLinks.id, closed.id));
    const revoked = (await create({ label: 'to revoke' })).json<Link>();
    const rev = await t.app.inject({ method: 'POST', url: `/registration-links/${revoked.id}/revoke`, headers: bearer(staff) });
    expect(rev.statusCode).toBe(200);
    expect(rev.json<Link>().status).toBe('revoked');

    const list = (await t.app.inject({ method: 'GET', url: '/registration-links?limit=200', headers: bearer(staff) })).json<{ items: Link[] }>().items;
    const status = (id: string) => list.find((l) => l.id === id)?.status;
    expect([status(scheduled.id), status(full.id), status(closed.id), status(revoked.id)]).toEqual(['scheduled', 'full', 'closed', 'revoked']);
    for (const [link, expected] of [
      [scheduled, 'scheduled'],
      [full, 'full'],
      [closed, 'closed'],
      [revoked, 'revoked'],
    ] as const) {
      const pub = await t.app.inject({ method: 'GET', url: `/register/${link.token}` });
      expect(pub.statusCode).toBe(200);
      expect(pub.json()).toMatchObject({ ministry: 'interior', status: expected });
      expect(Object.keys(pub.json<object>()).sort()).toEqual(['closesAt', 'label', 'ministry', 'opensAt', 'status']);
    }
  });

  it('pages the list newest first with a stable cursor, and shows only the caller’s ministry', async () => {
    const mine = (await create({ label: 'page' })).json<Link>();
    const theirs = (await create({ label: 'defense link' }, defenseStaff)).json<Link>();
    expect(theirs.ministry).toBe('defense');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/registration-links?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(staff) });
      expect(res.statusCode).toBe(200);
      const page: { items: Link[]; nextCursor: string | null } = res.json();
      seen.push(...page.items.map((l) => l.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen[0]).toBe(mine.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(theirs.id);
  });

  it('answers 404 to another ministry revoking, and for unknown or malformed tokens', async () => {
    const link = (await create({ label: 'mine' })).json<Link>();
    const res = await t.app.inject({ method: 'POST', url: `/registration-links/${link.id}/revoke`, headers: bearer(defenseStaff) });
    expect(res.statusCode).toBe(404);
    const [row] = await t.database.db.select().from(registrationLinks).where(eq(registrationLinks.id, link.id));
    expect(row!.revokedAt).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: `/register/${'A'.repeat(43)}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/register/short' })).statusCode).toBe(404);
  });

  it('refuses a closing time in the past or before the opening, and unknown fields', async () => {
    expect((await create({ label: 'x', closesAt: inMinutes(-1) })).statusCode).toBe(400);
    expect((await create({ label: 'x', opensAt: inMinutes(20), closesAt: inMinutes(10) })).statusCode).toBe(400);
    expect((await create({ label: 'x', ministry: 'defense' })).statusCode).toBe(400);
    expect((await create({ label: ' ' })).statusCode).toBe(400);
    expect((await create({ label: 'x', maxRegistrations: 0 })).statusCode).toBe(400);
  });

  it('is for ministry staff only', async () => {
    for (const role of ['committee_member', 'auditor', 'admin', 'applicant'] as const) {
      const token = await tokenFor(t, await createUser(t, { role }));
      expect((await create({ label: 'x' }, token)).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'GET', url: '/registration-links', headers: bearer(token) })).statusCode).toBe(403);
    }
  });
});
