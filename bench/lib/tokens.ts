import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from '../../src/http/auth.js';
import type { BenchContext } from '../types.js';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A staff member with a live session and an access token for it, made directly in the database and
 * signed with the service's JWT secret: what a sign-in with a second factor would give, without
 * putting TOTP enrolment into a figure that is not about sign-in.
 */
export async function staffToken(ctx: BenchContext, user: { role: 'ministry_staff' | 'committee_member' | 'auditor'; ministry: string | null }): Promise<{ id: string; token: string }> {
  // Signed here as HS256 (a change of the service's algorithm shows up as 401s in the bench).
  const algorithm: string = JWT_ALGORITHM;
  if (algorithm !== 'HS256') throw new Error(`bench tokens are HS256; the service uses ${algorithm}`);
  const client = new pg.Client({ connectionString: ctx.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `insert into users (email, name, role, ministry, password_hash, mfa_enabled) values ($1, 'Bench staff', $2, $3, null, true) returning id`,
      [`staff.${randomBytes(5).toString('hex')}@bench.example`, user.role, user.ministry],
    );
    const id = rows[0]!.id;
    const familyId = randomUUID();
    await client.query(`insert into refresh_tokens (family_id, user_id, token_hash, expires_at, mfa) values ($1, $2, $3, now() + interval '1 day', true)`, [
      familyId,
      id,
      randomBytes(32).toString('hex'),
    ]);
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub: id, typ: 'access', mfa: true, sid: familyId, iat: now, exp: now + 300, iss: JWT_ISSUER, aud: JWT_AUDIENCE })}`;
    const signature = createHmac('sha256', ctx.env.JWT_SECRET!).update(unsigned).digest('base64url');
    return { id, token: `${unsigned}.${signature}` };
  } finally {
    await client.end();
  }
}
