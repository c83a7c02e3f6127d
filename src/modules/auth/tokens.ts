import { and, eq, isNull, sql } from 'drizzle-orm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { statement } from '../../db/statement.js';
import { APPLICANT_ACCOUNT_INSERT, applicantAccountValues, type ApplicantAccount, type ApplicantAccountValues } from '../users/users.service.js';
import { mfaRecoveryCodes, refreshTokens } from './auth.table.js';

/** Opaque refresh tokens: 32 random bytes; only their SHA-256 is stored. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface IssuedRefreshToken {
  refreshToken: string;
  familyId: string;
}

export interface RefreshTokenInput {
  userId: string;
  mfa: boolean;
  ttlSeconds: number;
  /** Without it, the token starts a new family (a new sign-in session). */
  familyId?: string;
}

/** A new refresh token and its row but for its user, not yet stored. */
function newToken(input: Omit<RefreshTokenInput, 'userId'>) {
  const refreshToken = randomBytes(32).toString('base64url');
  const familyId = input.familyId ?? randomUUID();
  return {
    refreshToken,
    familyId,
    row: { familyId, tokenHash: hashRefreshToken(refreshToken), expiresAt: new Date(Date.now() + input.ttlSeconds * 1000), mfa: input.mfa },
  };
}

/** A new refresh token and its row, not yet stored. */
function newRefreshToken(input: RefreshTokenInput): IssuedRefreshToken & { values: typeof refreshTokens.$inferInsert & { expiresAt: Date } } {
  const { refreshToken, familyId, row } = newToken(input);
  return { refreshToken, familyId, values: { ...row, userId: input.userId } };
}

/** Stores a new refresh token (a sign-in or a rotation, inside its audited transaction). */
export async function issueRefreshToken(tx: Db, input: RefreshTokenInput): Promise<IssuedRefreshToken> {
  const { refreshToken, familyId, values } = newRefreshToken(input);
  await insertRefreshToken.rows(tx, { ...values, expiresAt: values.expiresAt.toISOString() });
  return { refreshToken, familyId };
}

/** Every sign-in, rotation and registration stores one: prepared. */
const insertRefreshToken = statement<never>(
  'refresh_token_insert',
  sql`insert into ${refreshTokens} (family_id, user_id, token_hash, expires_at, mfa)
      values (${sql.placeholder('familyId')}::uuid, ${sql.placeholder('userId')}::uuid, ${sql.placeholder('tokenHash')}::text,
              ${sql.placeholder('expiresAt')}::timestamptz, ${sql.placeholder('mfa')}::boolean)`,
);

/**
 * CTEs `account` and `account_token`: an applicant account (users' APPLICANT_ACCOUNT_INSERT) and the
 * refresh token of its first session, for a statement of the caller's (a registration writes its case
 * in the same one). Their placeholders' values are `newAccountWithToken`'s.
 */
export const ACCOUNT_WITH_TOKEN = sql`account as (${APPLICANT_ACCOUNT_INSERT}),
      account_token as (
        insert into ${refreshTokens} (family_id, user_id, token_hash, expires_at, mfa)
        select ${sql.placeholder('familyId')}::uuid, account.id, ${sql.placeholder('tokenHash')}::text, ${sql.placeholder('expiresAt')}::timestamptz, ${sql.placeholder('mfa')}::boolean
        from account)`;

export interface NewAccountWithToken extends IssuedRefreshToken {
  userId: string;
  /** The account's values (`applicantAccountValues`), for its audit entry. */
  account: ApplicantAccountValues;
  /** The values of ACCOUNT_WITH_TOKEN's placeholders. */
  values: Record<string, unknown>;
}

/**
 * A new applicant account and the refresh token of its first session, not yet stored: the values
 * ACCOUNT_WITH_TOKEN writes, the account's id chosen here. A registration's account is never without
 * its session, and the two cost no round trip of their own.
 */
export function newAccountWithToken(account: ApplicantAccount, session: Omit<RefreshTokenInput, 'userId' | 'familyId'>): NewAccountWithToken {
  const values = applicantAccountValues(account);
  const { refreshToken, familyId, row: token } = newToken(session);
  return {
    userId: values.userId,
    refreshToken,
    familyId,
    account: values,
    values: { ...values, familyId, tokenHash: token.tokenHash, expiresAt: token.expiresAt.toISOString(), mfa: token.mfa },
  };
}

/**
 * Takes the session's (refresh-token family's) lock until the transaction ends. Rotation and
 * revocation both take it first, so neither can miss what the other writes.
 */
export async function lockFamily(tx: Db, familyId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${familyId}::text, 5501))`);
}

/** Revokes every live token of a family; the access tokens of that session stop working too (src/http/auth.ts). */
export async function revokeFamily(tx: Db, familyId: string, userId?: string): Promise<number> {
  await lockFamily(tx, familyId);
  const condition = userId
    ? and(eq(refreshTokens.familyId, familyId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt))
    : and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt));
  const rows = await tx.update(refreshTokens).set({ revokedAt: new Date() }).where(condition).returning({ id: refreshTokens.id });
  return rows.length;
}

/** Ends every session of a user (disabled accounts). */
export async function revokeAllForUser(tx: Db, userId: string): Promise<number> {
  const rows = await tx
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length;
}

/** Deletes a user's second-factor recovery codes (their second factor was reset). */
export async function dropRecoveryCodes(tx: Db, userId: string): Promise<void> {
  await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
}
