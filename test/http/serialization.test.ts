import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { compileSerializer } from '../../src/http/serialization.js';
import { users } from '../../src/modules/users/users.table.js';
import { userSchema } from '../../src/modules/users/users.schemas.js';
import { bearer, createCommittee, createUser, tokenFor, type TestUser } from '../factories.js';
import { createTestApp, type TestApp } from '../harness.js';

let t: TestApp;
let admin: TestUser;
let member: TestUser;

const SECRET = 'must-never-leave-the-server';

/** Test-only routes whose handlers return more than their response schema declares. */
beforeAll(async () => {
  t = await createTestApp({}, {
    configure(app) {
      const r = app.withTypeProvider<ZodTypeProvider>();
      const config = { permission: 'public' } as const;
      // A whole users row: password hash, TOTP secret and all.
      r.get('/test/row/:id', { config, schema: { params: z.object({ id: z.uuid() }), response: { 200: userSchema } } }, async (request) => {
        const [row] = await t.database.db.select().from(users).where(eq(users.id, request.params.id));
        return { ...row!, createdAt: row!.createdAt.toISOString(), updatedAt: row!.updatedAt.toISOString(), mfaEnabled: row!.mfaEnabled };
      });
      r.get(
        '/test/nested',
        {
          config,
          schema: {
            response: {
              200: z.object({
                items: z.array(z.object({ id: z.string(), note: z.string().nullable() })),
                owner: z.object({ name: z.string() }).nullable(),
                either: z.union([z.object({ kind: z.literal('a'), a: z.string() }), z.object({ kind: z.literal('b'), b: z.number() })]),
                tags: z.record(z.string(), z.object({ after: z.string() })),
              }),
            },
          },
        },
        async () =>
          ({
            items: [{ id: '1', note: null, secret: SECRET }],
            owner: { name: 'x', passwordHash: SECRET },
            either: { kind: 'b', b: 2, secret: SECRET },
            tags: { status: { after: 'ok', secret: SECRET } },
            secret: SECRET,
          }) as never,
      );
    },
  });
  admin = await createUser(t, { role: 'admin' });
  member = await createUser(t, { role: 'committee_member', ministry: 'interior' });
  await t.database.db.update(users).set({ mfaSecret: SECRET }).where(eq(users.id, member.id));
  await createCommittee(t, { members: [{ userId: member.id, chair: true }] });
});
afterAll(() => t.close());

describe('response serialization', () => {
  it('drops the columns of a database row that the response schema does not declare', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/test/row/${member.id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(Object.keys(userSchema.shape).sort());
    expect(res.body).not.toContain('argon2');
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toMatch(/passwordHash|mfaSecret|mfaLastStep/);
  });

  it('drops undeclared properties at every depth: arrays, nullable objects, union branches, records', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/nested' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      items: [{ id: '1', note: null }],
      owner: { name: 'x' },
      either: { kind: 'b', b: 2 },
      tags: { status: { after: 'ok' } },
    });
    expect(res.body).not.toContain(SECRET);
  });

  it('sends only the declared fields of real routes: /me, /users, /users/:id', async () => {
    const token = await tokenFor(t, admin);
    const memberToken = await tokenFor(t, member);
    const me = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(memberToken) });
    expect(me.statusCode).toBe(200);
    expect(Object.keys(me.json<object>()).sort()).toEqual(['committees', 'email', 'id', 'mfaEnabled', 'ministry', 'name', 'roles']);
    expect(me.json<{ committees: object[] }>().committees).toEqual([expect.objectContaining({ chair: true })]);
    for (const url of ['/users', `/users/${member.id}`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(token) });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(SECRET);
      expect(res.body).not.toMatch(/passwordHash|password_hash|mfaSecret|argon2/);
    }
  });

  it('compiles a zod schema once and strips what it does not declare', () => {
    const schema = z.object({ id: z.string(), at: z.string().nullable() });
    const serialize = compileSerializer(schema);
    expect(compileSerializer(schema)).toBe(serialize);
    expect(serialize({ id: 'a', at: null, hash: SECRET })).toBe('{"id":"a","at":null}');
  });

  it('refuses a response that lacks a required field (a 500, never a partial document)', () => {
    const serialize = compileSerializer(z.object({ id: z.string(), name: z.string() }));
    expect(() => serialize({ id: 'a' })).toThrow();
  });
});
