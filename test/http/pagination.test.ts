import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/http/errors.js';
import { decodeCursor, encodeCursor } from '../../src/http/pagination.js';
import { applications } from '../../src/modules/applications/applications.table.js';
import { bearer, createUser, tokenFor } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('the cursor codec', () => {
  const position = z.tuple([z.string(), z.number().int()]);

  it('round-trips a position, tagged with its list', () => {
    const cursor = encodeCursor('things', ['محمد', 42]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('things', cursor, position)).toEqual(['محمد', 42]);
    expect(decodeCursor('things', undefined, position)).toBeUndefined();
  });

  it.each([
    ['too short to be anything', 'AA'],
    ['not base64url', '%%%'],
    ['random bytes', randomBytes(24).toString('base64url')],
    ['non-canonical base64', `${b64('["things","a",1]')}A`],
    ['not JSON', b64('nope')],
    ['another list’s cursor', encodeCursor('others', ['a', 1])],
    ['the wrong shape', b64('["things",1,"a"]')],
    ['a NUL in a value', encodeCursor('things', ['a\u0000b', 1])],
    ['bytes that are not UTF-8', Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]).toString('base64url')],
  ])('refuses %s with a 400 request.invalid_cursor', (_what, cursor) => {
    let caught: unknown;
    try {
      decodeCursor('things', cursor, position);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ status: 400, code: 'request.invalid_cursor' });
  });
});

describe('malformed cursors on every list', () => {
  let t: TestApp;
  const auth: Record<string, Record<string, string>> = {};
  let caseId: string;

  beforeAll(async () => {
    t = await createTestApp();
    auth.admin = bearer(await tokenFor(t, await createUser(t, { role: 'admin' })));
    auth.auditor = bearer(await tokenFor(t, await createUser(t, { role: 'auditor' })));
    auth.staff = bearer(await tokenFor(t, await createUser(t, { role: 'ministry_staff', ministry: 'interior' })));
    const [row] = await t.database.db
      .insert(applications)
      .values({ reference: 'MOI-2026-000777', ministry: 'interior', channel: 'walk_in' })
      .returning({ id: applications.id });
    caseId = row!.id;
  });
  afterAll(() => t.close());

  const lists = () => [
    ['/users', auth.admin!],
    ['/committees', auth.admin!],
    ['/audit', auth.auditor!],
    ['/audit/checkpoints', auth.auditor!],
    [`/applications/${caseId}/history`, auth.staff!],
  ] as const;

  it.each([
    ['AA', 'AA'],
    ['random base64', randomBytes(30).toString('base64url')],
    ['a NUL', encodeCursor('users', ['a\u0000'])],
    ['a NUL in a committee position', encodeCursor('committees', ['interior', '\u0000'])],
    ['a JSON string', b64('"s12"')],
  ])('%s is a 400 problem, never a 500', async (_what, cursor) => {
    for (const [url, headers] of lists()) {
      const res = await t.app.inject({ method: 'GET', url: `${url}?cursor=${encodeURIComponent(cursor)}`, headers });
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json(), url).toMatchObject({ code: 'request.invalid_cursor', errors: [{ path: '/querystring/cursor' }] });
    }
  });

  it('does not take one list’s cursor for another’s', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/audit/checkpoints?cursor=${encodeCursor('audit', [5])}`, headers: auth.auditor! });
    expect(res.statusCode).toBe(400);
  });
});
