import { and, count, eq, inArray } from 'drizzle-orm';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import * as seeds from '../../seeds/reference.js';
import { applicants } from '../../src/modules/applications/applicant.table.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import { refreshTokens } from '../../src/modules/auth/auth.table.js';
import { users } from '../../src/modules/users/users.table.js';
import { consentTexts } from '../../src/modules/reference/reference.table.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { createHashGate } from '../../src/modules/registration/registration.service.js';
import { HASH_CAPACITY } from '../../src/modules/users/password.js';
import { linkRegistrations, registrationLinks } from '../../src/modules/registration/registration.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';
import { waitFor } from '../wait.js';
import { applicantBody, distinctNames, recordedCandidates } from './helpers.js';

/** Items 2 and 3 of issue 11: public registration through a link, and no enumeration. */

const CONSENT = seeds.consentTexts.at(-1)!.version;
const PASSWORD = 'a long enough passphrase 7';

let t: TestApp;
let staff: string;
let addressSeq = 0;

interface Registered {
  applicationId: string;
  reference: string;
  accessToken: string;
  refreshToken: string;
}

beforeAll(async () => {
  t = await createTestApp({ REGISTER_ADDRESS_MAX: '1000', REGISTER_HASH_QUEUE: '200' });
  staff = await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' }));
});
afterAll(() => t.close());

async function newLink(body: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/registration-links', headers: bearer(staff), payload: { label: 'camp', ...body } });
  expect(res.statusCode).toBe(201);
  return res.json();
}

let emailSeq = 0;
function registration(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  emailSeq += 1;
  return { ...applicantBody({ email: `officer.${emailSeq}.${process.pid}@example.org` }), password: PASSWORD, consent: { accepted: true, textVersion: CONSENT }, ...overrides };
}

function register(token: string, payload: unknown, headers: Record<string, string> = {}, remoteAddress = `10.1.0.${(addressSeq++ % 250) + 1}`) {
  return t.app.inject({ method: 'POST', url: `/register/${token}`, payload: payload as object, headers, remoteAddress });
}

async function caseCount(): Promise<number> {
  const [row] = await t.database.db.select({ n: count() }).from(applications);
  return row!.n;
}

/** What a registration writes beside its case: applicant accounts, sessions' refresh tokens, audit entries. */
async function storedBeside(): Promise<{ accounts: number; sessions: number; entries: number }> {
  const [accounts] = await t.database.db.select({ n: count() }).from(users).where(eq(users.role, 'applicant'));
  const [sessions] = await t.database.db.select({ n: count() }).from(refreshTokens);
  const [entries] = await t.database.db.select({ n: count() }).from(auditLog);
  return { accounts: accounts!.n, sessions: sessions!.n, entries: entries!.n };
}

describe('public registration', () => {
  it('creates the applicant account and a submitted link case, returns a session, stores the consent', async () => {
    const link = await newLink();
    const res = await register(link.token, registration());
    expect(res.statusCode).toBe(201);
    const body = res.json<Registered>();
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'applicationId', 'reference', 'refreshToken']);
    expect(body.reference).toMatch(new RegExp(`^MOI-${new Date().getUTCFullYear()}-\\d{6}$`));
    const [row] = await t.database.db.select().from(applications).where(eq(applications.id, body.applicationId));
    expect(row).toMatchObject({ status: 'submitted', channel: 'link', ministry: 'interior' });
    const [person] = await t.database.db.select().from(applicants).where(eq(applicants.applicationId, body.applicationId));
    expect(person!.consentVersion).toBe(CONSENT);
    expect(person!.consentedAt).toBeInstanceOf(Date);
    const [via] = await t.database.db.select().from(linkRegistrations).where(eq(linkRegistrations.applicationId, body.applicationId));
    expect(via!.linkId).toBe(link.id);
    // The session works, and the officer can sign in again with the reference.
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(body.accessToken) })).statusCode).toBe(200);
    const login = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { reference: body.reference, password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const listed = (await t.app.inject({ method: 'GET', url: '/registration-links', headers: bearer(staff) })).json<{ items: { id: string; registrationsCount: number }[] }>();
    expect(listed.items.find((l) => l.id === link.id)?.registrationsCount).toBe(1);
    // The account and its session are written in one statement: the session's refresh token is stored
    // for that account, and the account's creation is recorded beside the registration.
    const refreshed = await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken: body.refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const entries = await t.database.db
      .select({ action: auditLog.action, entityId: auditLog.entityId, canonical: auditLog.canonical })
      .from(auditLog)
      .where(and(inArray(auditLog.entityId, [row!.applicantUserId!, body.applicationId]), inArray(auditLog.action, ['user.created', 'application.registered'])));
    expect(entries.map((e) => [e.action, e.entityId]).sort()).toEqual(
      [
        ['application.registered', body.applicationId],
        ['user.created', row!.applicantUserId],
      ].sort(),
    );
    expect(JSON.parse(entries.find((e) => e.action === 'user.created')!.canonical)).toMatchObject({ changes: { role: { after: 'applicant' }, ministry: { after: 'interior' } } });
  });

  it('answers 410 on closed, full, revoked and scheduled links and 404 on unknown ones, storing nothing', async () => {
    const closed = await newLink();
    await t.database.db.update(registrationLinks).set({ closesAt: new Date(Date.now() - 1000) }).where(eq(registrationLinks.id, closed.id));
    const full = await newLink({ maxRegistrations: 1 });
    expect((await register(full.token, registration())).statusCode).toBe(201);
    const revoked = await newLink();
    await t.app.inject({ method: 'POST', url: `/registration-links/${revoked.id}/revoke`, headers: bearer(staff) });
    const scheduled = await newLink({ opensAt: new Date(Date.now() + 3_600_000).toISOString() });
    const before = await caseCount();
    for (const link of [closed, full, revoked, scheduled]) {
      const res = await register(link.token, registration());
      expect(res.statusCode).toBe(410);
      expect(res.json<{ code: string }>().code).toBe('registration_link.gone');
    }
    expect((await register('B'.repeat(43), registration())).statusCode).toBe(404);
    expect(await caseCount()).toBe(before);
  });

  it('refuses a link revoked or filled elsewhere while this instance remembers it open, storing nothing', async () => {
    // Another instance (or a database operator) closes them: this one read both as open a moment ago.
    const revoked = await newLink();
    const filled = await newLink({ maxRegistrations: 2 });
    for (const link of [revoked, filled]) expect((await register(link.token, registration())).statusCode).toBe(201);
    await t.database.db.update(registrationLinks).set({ revokedAt: new Date() }).where(eq(registrationLinks.id, revoked.id));
    await t.database.db.update(registrationLinks).set({ registrationsCount: 2 }).where(eq(registrationLinks.id, filled.id));
    const before = await caseCount();
    const beside = await storedBeside();
    // The first answer comes from the registration's transaction, the second from the link read again.
    for (let attempt = 0; attempt < 2; attempt++) {
      for (const link of [revoked, filled]) {
        const res = await register(link.token, registration());
        expect(res.statusCode).toBe(410);
        expect(res.json<{ code: string }>().code).toBe('registration_link.gone');
      }
    }
    expect(await caseCount()).toBe(before);
    expect(await storedBeside()).toEqual(beside);
    const counts = await t.database.db.select({ id: registrationLinks.id, n: registrationLinks.registrationsCount }).from(registrationLinks);
    expect(counts.filter((c) => c.id === revoked.id || c.id === filled.id).sort((a, b) => a.n - b.n).map((c) => c.n)).toEqual([1, 2]);
  });

  it('creates exactly one case when 50 register at once on the last seat', async () => {
    const link = await newLink({ maxRegistrations: 1 });
    const before = await caseCount();
    const beside = await storedBeside();
    const results = await Promise.all(Array.from({ length: 50 }, () => register(link.token, registration())));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 410)).toHaveLength(49);
    expect(await caseCount()).toBe(before + 1);
    // The refused ones wrote their account and session in the statement the cap refused: rolled back.
    expect(await storedBeside()).toEqual({ accounts: beside.accounts + 1, sessions: beside.sessions + 1, entries: beside.entries + 2 });
    const [row] = await t.database.db.select().from(registrationLinks).where(eq(registrationLinks.id, link.id));
    expect(row!.registrationsCount).toBe(1);
  });

  it('counts exactly under concurrency on a cap of 5', async () => {
    const link = await newLink({ maxRegistrations: 5 });
    const results = await Promise.all(Array.from({ length: 20 }, () => register(link.token, registration())));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(5);
    const [n] = await t.database.db.select({ n: count() }).from(linkRegistrations).where(eq(linkRegistrations.linkId, link.id));
    expect(n!.n).toBe(5);
  });

  it('honours Idempotency-Key: a replay is the same case with a fresh session, another body 422, two at once one case', async () => {
    const link = await newLink();
    const body = registration();
    const first = await register(link.token, body, { 'idempotency-key': 'reg-1' });
    expect(first.statusCode).toBe(201);
    const again = await register(link.token, body, { 'idempotency-key': 'reg-1' });
    expect(again.statusCode).toBe(201);
    const a = first.json<Registered>();
    const b = again.json<Registered>();
    expect(b.applicationId).toBe(a.applicationId);
    expect(b.reference).toBe(a.reference);
    expect(b.refreshToken).not.toBe(a.refreshToken);
    expect((await t.app.inject({ method: 'GET', url: '/me', headers: bearer(b.accessToken) })).statusCode).toBe(200);
    const other = await register(link.token, registration(), { 'idempotency-key': 'reg-1' });
    expect(other.statusCode).toBe(422);

    const before = await caseCount();
    const same = registration();
    const pair = await Promise.all([register(link.token, same, { 'idempotency-key': 'reg-2' }), register(link.token, same, { 'idempotency-key': 'reg-2' })]);
    expect(pair.map((r) => r.statusCode)).toEqual([201, 201]);
    expect(pair[0].json<Registered>().applicationId).toBe(pair[1].json<Registered>().applicationId);
    expect(await caseCount()).toBe(before + 1);
  });

  it('a retry of a registration that went through gets its case after the link filled or was revoked; a new one gets 410', async () => {
    const link = await newLink({ maxRegistrations: 1 });
    const body = registration();
    const first = await register(link.token, body, { 'idempotency-key': 'reg-full-1' });
    expect(first.statusCode).toBe(201);
    const before = await caseCount();
    // The link is full now: the retry of a lost answer (the same key and body) gets the same case.
    const retry = await register(link.token, body, { 'idempotency-key': 'reg-full-1' });
    expect(retry.statusCode).toBe(201);
    expect(retry.json<Registered>().applicationId).toBe(first.json<Registered>().applicationId);
    // Another body under that key is still a conflict; a new registration, with a key or without, is 410.
    expect((await register(link.token, registration(), { 'idempotency-key': 'reg-full-1' })).statusCode).toBe(422);
    expect((await register(link.token, registration(), { 'idempotency-key': 'reg-full-2' })).statusCode).toBe(410);
    expect((await register(link.token, registration())).statusCode).toBe(410);
    expect((await t.app.inject({ method: 'POST', url: `/registration-links/${link.id}/revoke`, headers: bearer(staff) })).statusCode).toBe(200);
    const afterRevoke = await register(link.token, body, { 'idempotency-key': 'reg-full-1' });
    expect(afterRevoke.statusCode).toBe(201);
    expect(afterRevoke.json<Registered>().reference).toBe(first.json<Registered>().reference);
    expect(await caseCount()).toBe(before);
  });

  it('a retry gets its case after a new consent text was published; a new registration on the old text is 400', async () => {
    const link = await newLink();
    const body = registration();
    const first = await register(link.token, body, { 'idempotency-key': 'reg-consent-1' });
    expect(first.statusCode).toBe(201);
    const before = await caseCount();
    await t.database.db.insert(consentTexts).values({ version: '2099-02', textAr: 'نص جديد', textEn: 'New text', publishedAt: new Date(Date.now() - 1_000) });
    try {
      await expect
        .poll(async () => (await t.app.inject({ method: 'GET', url: '/consent/current' })).json<{ version: string }>().version, { timeout: 5_000, interval: 200 })
        .toBe('2099-02');
      const retry = await register(link.token, body, { 'idempotency-key': 'reg-consent-1' });
      expect(retry.statusCode).toBe(201);
      expect(retry.json<Registered>().applicationId).toBe(first.json<Registered>().applicationId);
      const stale = await register(link.token, registration(), { 'idempotency-key': 'reg-consent-2' });
      expect(stale.statusCode).toBe(400);
      expect(stale.json<{ code: string }>().code).toBe('registration.consent_not_current');
      expect(await caseCount()).toBe(before);
    } finally {
      await t.database.db.delete(consentTexts).where(eq(consentTexts.version, '2099-02'));
      await expect
        .poll(async () => (await t.app.inject({ method: 'GET', url: '/consent/current' })).json<{ version: string }>().version, { timeout: 5_000, interval: 200 })
        .toBe(CONSENT);
    }
  });

  it('answers a repeated national ID and email exactly like a fresh registration, and flags it', async () => {
    const link = await newLink();
    const original = registration({ ...distinctNames(), birthDate: '1961-01-01' });
    const first = await register(link.token, original);
    const repeat = await register(link.token, registration({ ...distinctNames(), birthDate: '1975-06-06', nationalId: original.nationalId, email: original.email }));
    const fresh = await register(link.token, registration({ ...distinctNames(), birthDate: '1969-03-03', email: 'someone.new@example.org' }));
    for (const res of [first, repeat, fresh]) expect(res.statusCode).toBe(201);
    const shape = (res: typeof first) => ({
      status: res.statusCode,
      keys: Object.keys(res.json<object>()).sort(),
      headers: Object.keys(res.headers).filter((h) => !['date', 'x-request-id', 'content-length'].includes(h)).sort(),
    });
    expect(shape(repeat)).toEqual(shape(fresh));
    const repeated = repeat.json<Registered>();
    const flagged = await recordedCandidates(t.database.db, repeated.applicationId);
    expect(flagged).toEqual([
      expect.objectContaining({
        candidateId: first.json<Registered>().applicationId,
        grade: 'likely',
        evidence: [
          { field: 'nationalId', how: 'equal' },
          { field: 'email', how: 'equal' },
        ],
      }),
    ]);
    const none = await recordedCandidates(t.database.db, fresh.json<Registered>().applicationId);
    expect(none).toHaveLength(0);
  });

  it('takes about as long for a known national ID as for a fresh one (medians, interleaved)', async () => {
    const link = await newLink();
    const known = registration();
    expect((await register(link.token, known)).statusCode).toBe(201);
    const fresh: number[] = [];
    const repeat: number[] = [];
    for (let i = 0; i < 8; i++) {
      for (const [body, times] of [
        [registration(), fresh],
        [registration({ nationalId: known.nationalId, email: known.email }), repeat],
      ] as const) {
        const started = performance.now();
        expect((await register(link.token, body)).statusCode).toBe(201);
        times.push(performance.now() - started);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(repeat) / median(fresh);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('refuses bad bodies and stores nothing: Latin field in Arabic, religion, NUL, no contact, weak password, old consent', async () => {
    const link = await newLink();
    const before = await caseCount();
    const bad: [Record<string, unknown>, number][] = [
      [registration({ fullNameLatin: 'محمد الحموي' }), 400],
      [registration({ religion: 'x' }), 400],
      [registration({ sect: 'x' }), 400],
      [registration({ ethnicity: 'x' }), 400],
      [registration({ birthPlace: 'Ha\u0000ma' }), 400],
      [registration({ phone: undefined, email: undefined }), 400],
      [registration({ password: 'short' }), 400],
      [registration({ password: 'password1234' }), 400],
      [registration({ consent: { accepted: false, textVersion: CONSENT } }), 400],
      [registration({ consent: { accepted: true, textVersion: '1999-01' } }), 400],
      [registration({ consent: undefined }), 400],
    ];
    for (const [body, status] of bad) {
      const res = await register(link.token, body);
      expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
    }
    expect(await caseCount()).toBe(before);
  });
});

describe('registration throttle and hashing bound', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await createTestApp({ REGISTER_ADDRESS_MAX: '3', REGISTER_LINK_MAX: '5', TRUST_PROXY: '1' });
  });
  afterAll(() => small.close());

  it('limits one address and one link per window, with Retry-After', async () => {
    const s = await tokenFor(small, await createUser(small, { role: 'ministry_staff', ministry: 'interior' }));
    const link = (await small.app.inject({ method: 'POST', url: '/registration-links', headers: bearer(s), payload: { label: 'x' } })).json<{ token: string }>();
    const from = (ip: string) =>
      small.app.inject({ method: 'POST', url: `/register/${link.token}`, payload: registration(), headers: { 'x-forwarded-for': ip }, remoteAddress: '127.0.0.1' });
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7')).statusCode).toBe(201);
    const limited = await from('203.0.113.7');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Officers behind another address still get through until the link's own limit.
    expect((await from('203.0.113.8')).statusCode).toBe(201);
    expect((await from('203.0.113.9')).statusCode).toBe(201);
    expect((await from('203.0.113.10')).statusCode).toBe(429);
  });

  it('bounds password hashing as a whole: beyond the queue the answer is 503 at once', async () => {
    let running = 0;
    let peak = 0;
    const gate = createHashGate({
      concurrency: 2,
      queue: 3,
      hash: async (p) => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(30);
        running -= 1;
        return p;
      },
    });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => gate(`p${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(3);
    expect((refused[0]!.reason as { status: number }).status).toBe(503);
    expect(peak).toBe(2);
    // And it recovers.
    expect(await gate('again')).toBe('again');
  });

  it('lets as many hashes run at once as the hashing threads hold, unless told otherwise', async () => {
    let running = 0;
    let peak = 0;
    const hash = async (p: string) => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(20);
      running -= 1;
      return p;
    };
    const gate = createHashGate({ queue: 50, hash });
    await Promise.all(Array.from({ length: HASH_CAPACITY + 4 }, (_, i) => gate(`p${i}`)));
    expect(HASH_CAPACITY).toBeGreaterThanOrEqual(2);
    expect(peak).toBe(HASH_CAPACITY);
  });
});

describe('registration settings', () => {
  it('refuse a registration window longer than the sign-in window the shared throttle table is pruned by', async () => {
    const { ConfigError, loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ REGISTER_WINDOW_SECONDS: '1000', LOGIN_WINDOW_SECONDS: '900' })).toThrow(ConfigError);
    expect(loadConfig({ REGISTER_WINDOW_SECONDS: '900', LOGIN_WINDOW_SECONDS: '900' }).registration.windowSeconds).toBe(900);
  });

  it('leave the hashing gate to the threads unless REGISTER_HASH_CONCURRENCY is a positive whole number', async () => {
    const { ConfigError, loadConfig } = await import('../../src/config.js');
    expect(loadConfig({}).registration.hashConcurrency).toBeUndefined();
    expect(loadConfig({ REGISTER_HASH_CONCURRENCY: '3' }).registration.hashConcurrency).toBe(3);
    for (const bad of ['0', '-1', '2.5', 'many']) expect(() => loadConfig({ REGISTER_HASH_CONCURRENCY: bad })).toThrow(ConfigError);
  });
});

// Needs a second connection to hold the link's row (server runs).
describe.skipIf(!inject('testServerUrl'))('a link that changes while a registration runs', () => {
  it.each([
    ['revoked', 'revoked_at = now()'],
    ['closed', "closes_at = now() - interval '1 minute'"],
  ])('answers 410 when the link is %s after the look-up and before the count, storing nothing', async (_, change) => {
    const link = await newLink();
    const before = await caseCount();
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    try {
      // The change is made but not committed: the registration's look-up still reads the link open,
      // and its count waits for the row, then reads the link as changed.
      await holder.query('begin');
      await holder.query(`update registration_links set ${change} where id = $1`, [link.id]);
      const pending = register(link.token, registration());
      const waiting = async () => {
        const { rows } = await holder.query<{ n: string }>(
          "select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        );
        return Number(rows[0]!.n) >= 1;
      };
      expect(await waitFor(waiting, 10_000)).toBe(true);
      await holder.query('commit');
      const res = await pending;
      expect(res.statusCode, res.body).toBe(410);
      expect(res.json<{ code: string }>().code).toBe('registration_link.gone');
    } finally {
      await holder.end();
    }
    expect(await caseCount()).toBe(before);
    const [row] = await t.database.db.select().from(registrationLinks).where(eq(registrationLinks.id, link.id));
    expect(row!.registrationsCount).toBe(0);
    expect(await t.database.db.select().from(linkRegistrations).where(eq(linkRegistrations.linkId, link.id))).toEqual([]);
  });
});

// The client of a server run is node-postgres: each of its queries is one round trip.
describe.skipIf(!inject('testServerUrl'))('what a registration costs the database', () => {
  it('makes six round trips, the throttle’s included, and records the account and the case together', async () => {
    const link = await newLink();
    // The first registration on the link reads it into the instance's memory; the second is counted,
    // from an address the throttle has not seen yet.
    expect((await register(link.token, registration(), {}, '10.2.0.1')).statusCode).toBe(201);
    const address = '10.2.0.2';
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    let res: Awaited<ReturnType<typeof register>>;
    let sent: string[];
    try {
      res = await register(link.token, registration(), {}, address);
      // A prepared statement by its name, anything else by its text.
      sent = spy.mock.calls.map(([query]) => (typeof query === 'string' ? query : ((query as { name?: string; text?: string }).name ?? String((query as { text?: string }).text))));
    } finally {
      spy.mockRestore();
    }
    expect(res.statusCode, res.body).toBe(201);
    expect(sent).toEqual(['throttle_count_attempt', 'begin', 'registration_case', 'duplicate_flag_one', 'audit_append_after', 'commit']);
    const { applicationId } = res.json<Registered>();
    const [row] = await t.database.db.select({ userId: applications.applicantUserId }).from(applications).where(eq(applications.id, applicationId));
    const entries = await t.database.db.select().from(auditLog).where(inArray(auditLog.entityId, [applicationId, row!.userId!])).orderBy(auditLog.seq);
    expect(entries.map((e) => [e.action, e.entityId])).toEqual([
      ['user.created', row!.userId],
      ['application.registered', applicationId],
    ]);
    expect(entries[1]!.seq).toBe(entries[0]!.seq + 1);
  });
});
