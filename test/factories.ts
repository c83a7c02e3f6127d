import { randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../src/access/roles.js';
import { hashPassword } from '../src/modules/users/password.js';
import { refreshTokens } from '../src/modules/auth/auth.table.js';
import { committeeMembers, committees } from '../src/modules/committees/committees.table.js';
import { users } from '../src/modules/users/users.table.js';
import type { TestApp } from './harness.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  ministry: string | null;
}

/** Hashing is deliberately slow; tests share one hash for the default password. */
export const DEFAULT_PASSWORD = 'correct horse battery staple 42';
let defaultHash: Promise<string> | undefined;

/** Inserts a user directly (unique email per call). Use the HTTP API when the creation itself is under test. */
export async function createUser(
  t: TestApp,
  options: { role: Role; ministry?: string | null; email?: string; password?: string; name?: string; active?: boolean },
): Promise<TestUser> {
  const ministry = options.ministry === undefined ? (options.role === 'admin' || options.role === 'auditor' ? null : 'interior') : options.ministry;
  const email = options.email ?? `${options.role}.${randomBytes(5).toString('hex')}@example.test`;
  const password = options.password ?? DEFAULT_PASSWORD;
  const passwordHash = options.password ? await hashPassword(password) : await (defaultHash ??= hashPassword(DEFAULT_PASSWORD));
  const [row] = await t.database.db
    .insert(users)
    .values({ email, name: options.name ?? `Test ${options.role}`, role: options.role, ministry, passwordHash, active: options.active ?? true })
    .returning({ id: users.id });
  return { id: row!.id, email, password, role: options.role, ministry };
}

/**
 * A valid access token for `user`, as the login endpoint issues it (second factor done unless told
 * otherwise): a session (refresh-token family) is stored, and the token names it.
 */
export async function tokenFor(t: TestApp, user: { id: string }, claims: { mfa?: boolean } = {}): Promise<string> {
  const mfa = claims.mfa ?? true;
  const [session] = await t.database.db
    .insert(refreshTokens)
    .values({ familyId: randomUUID(), userId: user.id, tokenHash: randomBytes(32).toString('hex'), expiresAt: new Date(Date.now() + 3_600_000), mfa })
    .returning({ familyId: refreshTokens.familyId });
  return t.app.jwt.sign({ sub: user.id, typ: 'access', mfa, sid: session!.familyId });
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

export interface SessionResponse {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string; role: Role; ministry: string | null; mfaEnabled: boolean };
  notices?: { kind: string; at: string }[];
}

/** Signs in through the API (the real flow: throttle, audit, refresh token family). */
export async function signIn(
  t: TestApp,
  user: { email: string; password: string },
  extra: { totp?: string; recoveryCode?: string; headers?: Record<string, string> } = {},
): Promise<SessionResponse> {
  const { headers, ...factors } = extra;
  const res = await t.app.inject({ method: 'POST', url: '/auth/login', headers, payload: { email: user.email, password: user.password, ...factors } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  return res.json<SessionResponse>();
}

/** Inserts a committee directly, optionally with members ({userId, chair}). */
export async function createCommittee(
  t: TestApp,
  options: { ministry?: string; name?: string; members?: { userId: string; chair?: boolean }[] } = {},
): Promise<{ id: string; ministry: string; name: string }> {
  const ministry = options.ministry ?? 'interior';
  const name = options.name ?? `Committee ${randomBytes(4).toString('hex')}`;
  const [row] = await t.database.db.insert(committees).values({ ministry, name }).returning({ id: committees.id });
  if (options.members?.length) {
    await t.database.db.insert(committeeMembers).values(options.members.map((m) => ({ committeeId: row!.id, userId: m.userId, chair: m.chair ?? false })));
  }
  return { id: row!.id, ministry, name };
}
