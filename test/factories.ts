import { randomBytes } from 'node:crypto';
import type { Role } from '../src/access/roles.js';
import { hashPassword } from '../src/modules/users/password.js';
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

/** A valid access token for `user`, signed as the login endpoint signs it (second factor done). */
export function tokenFor(t: TestApp, user: { id: string }, claims: { mfa?: boolean } = {}): string {
  return t.app.jwt.sign({ sub: user.id, typ: 'access', mfa: claims.mfa ?? true });
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
