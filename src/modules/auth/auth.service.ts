import { and, eq, isNull, or, lt, sql } from 'drizzle-orm';
import type { Role } from '../../access/roles.js';
import type { Db } from '../../db/client.js';
import type { AccessClaims, Actor } from '../../http/auth.js';
import { conflict } from '../../http/errors.js';
import type { ExpectedEntry, ReadRecorder } from '../audit/audit.reads.js';
import type { AuditContext, AuditEvent, AuditWriter } from '../audit/audit.writer.js';
import { dummyPasswordHash, verifyPassword } from '../users/password.js';
import { normalizeEmail, signInColumns, signInMatches } from '../users/users.service.js';
import { committeeMembers, committees, mfaRecoveryCodes, refreshTokens, users } from '../users/users.table.js';
import { accountLocked, invalidCredentials, invalidEnrolmentCode, invalidMfaCode, invalidRefreshToken, mfaCodeRequired } from './auth.errors.js';
import { decryptSecret, encryptSecret, hashRecoveryCode, newRecoveryCodes, newTotpSecret, provisioningUri, verifyTotp } from './mfa.js';
import { accountKey, addressKey, clearFailures, recordFailure, throttleColumns, type ThrottleSettings } from './throttle.js';
import { hashRefreshToken, issueRefreshToken, newRefreshToken, revokeFamily } from './tokens.js';

export interface AuthDeps {
  db: Db;
  audit: AuditWriter;
  mfaKey: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  throttle: ThrottleSettings;
  signAccessToken: (claims: AccessClaims) => string;
  /**
   * The audit group commit (`app.auditReads`). Successful sign-ins record their entry through it,
   * with their session row in the same statement: a serialized chain commit per sign-in would cap
   * sign-ins at the commit rate, well below the argon2id rate. Each sign-in announces its entry
   * before hashing, so a batch may wait a moment for the sign-ins about to finish.
   */
  groupCommit: Pick<ReadRecorder, 'record' | 'expect'>;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  ministry: string | null;
  mfaEnabled: boolean;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: SessionUser;
}

export interface LoginInput {
  email: string;
  password: string;
  totp?: string | undefined;
  recoveryCode?: string | undefined;
}

/**
 * The account a sign-in names (null when there is none) and the throttle state of its keys, in one
 * statement; prepared, since every sign-in runs it.
 */
function buildSignInLookup(db: Db) {
  return db
    .select({ user: signInColumns, ...throttleColumns([sql.placeholder('accountKey'), sql.placeholder('addressKey')]) })
    .from(sql`(select) as sign_in`)
    .leftJoin(users, signInMatches(sql.placeholder('login')))
    .prepare('sign_in_lookup');
}
const signInLookups = new WeakMap<Db, ReturnType<typeof buildSignInLookup>>();
function signInLookup(db: Db): ReturnType<typeof buildSignInLookup> {
  let lookup = signInLookups.get(db);
  if (!lookup) {
    lookup = buildSignInLookup(db);
    signInLookups.set(db, lookup);
  }
  return lookup;
}

/**
 * Password sign-in. Locked keys answer 429 before any work; unknown emails are verified against a
 * dummy hash and counted like real ones, so neither the answer nor its timing says whether an
 * account exists. Accounts with a second factor also need a TOTP code or a recovery code.
 */
export async function login(args: { deps: AuthDeps; input: LoginInput; context: AuditContext }): Promise<Session> {
  const expected = args.deps.groupCommit.expect();
  try {
    return await signIn({ ...args, expected });
  } finally {
    expected.release();
  }
}

async function signIn(args: { deps: AuthDeps; input: LoginInput; context: AuditContext; expected: ExpectedEntry }): Promise<Session> {
  const { deps, input, context, expected } = args;
  const { db, audit, throttle } = deps;
  const login = normalizeEmail(input.email);
  const keys = { account: accountKey(login), address: addressKey(context.clientAddress ?? 'unknown') };

  // One round trip: the locks, and the account the sign-in names (if any).
  const [throttled] = await signInLookup(db).execute({ login, accountKey: keys.account, addressKey: keys.address });
  if (!throttled) throw new Error('sign-in lookup returned no row');
  const { user } = throttled;
  const lockedFor = throttled.lockedForSeconds;
  if (lockedFor > 0) {
    // Group commit: hammering a locked account must not serialize the audit chain one attempt at a time.
    await deps.groupCommit.record(context, { action: 'auth.login', entityType: 'user', entityId: user?.id ?? null, outcome: 'denied', details: { reason: 'locked' } }, { expected });
    throw accountLocked(lockedFor);
  }

  const passwordOk = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);

  const fail = async (reason: string): Promise<never> => {
    expected.release(); // recorded in its own transaction, not by the group commit
    await audit.inTransaction(db, context, async (tx, record) => {
      const account = await recordFailure(tx, keys.account, throttle.maxFailures, throttle);
      const address = await recordFailure(tx, keys.address, throttle.addressMaxFailures, throttle);
      const events: AuditEvent[] = [
        {
          action: 'auth.login',
          entityType: 'user',
          entityId: user?.id ?? null,
          outcome: 'failure',
          personal: { login: { after: login } },
          details: { reason },
        },
      ];
      if (account.lockedNow) {
        events.push({
          action: 'auth.lockout',
          entityType: 'user',
          entityId: user?.id ?? null,
          outcome: 'denied',
          personal: { login: { after: login } },
          details: { scope: 'account', failures: account.failures, lockoutSeconds: throttle.lockoutSeconds },
        });
      }
      if (address.lockedNow) {
        events.push({
          action: 'auth.lockout',
          entityType: 'client_address',
          outcome: 'denied',
          details: { scope: 'address', failures: address.failures, lockoutSeconds: throttle.lockoutSeconds },
        });
      }
      await record(events);
    });
    throw reason === 'bad_mfa_code' ? invalidMfaCode() : invalidCredentials();
  };

  if (!user) return fail('unknown_account');
  if (!passwordOk) return fail('bad_password');
  if (!user.active) return fail('disabled');

  let secondFactor: 'totp' | 'recovery_code' | null = null;
  if (user.mfaEnabled) {
    if (!input.totp && !input.recoveryCode) throw mfaCodeRequired();
    if (input.totp) {
      if (await acceptTotp(db, deps.mfaKey, user, input.totp)) secondFactor = 'totp';
    } else if (input.recoveryCode && (await spendRecoveryCode(db, user.id, input.recoveryCode))) {
      secondFactor = 'recovery_code';
    }
    if (!secondFactor) return fail('bad_mfa_code');
  }
  // Applicants' second factor is optional; staff without one get a token that only reaches enrolment.
  const mfa = user.role === 'applicant' || secondFactor !== null;

  if (throttled.withFailures.includes(keys.account)) await clearFailures(db, keys.account);
  // The session and its audit entry commit together, in the group commit: no session without its
  // entry, no entry without its session, and the answer waits for both.
  const issued = newRefreshToken({ userId: user.id, mfa, ttlSeconds: deps.refreshTokenTtlSeconds });
  await deps.groupCommit.record(
    // Signed in: the entry names the user as its actor (the request had none yet).
    { ...context, actor: { id: user.id, role: user.role } },
    { action: 'auth.login', entityType: 'user', entityId: user.id, details: { secondFactor, sessionId: issued.familyId } },
    { rows: [issued.row], expected },
  );
  return {
    accessToken: deps.signAccessToken({ sub: user.id, typ: 'access', mfa, sid: issued.familyId }),
    refreshToken: issued.refreshToken,
    expiresIn: deps.accessTokenTtlSeconds,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, ministry: user.ministry, mfaEnabled: user.mfaEnabled },
  };
}

/** Verifies a TOTP code and stores its time step atomically, so a code (or an older one) never works twice. */
async function acceptTotp(db: Db, mfaKey: string, user: { id: string; mfaSecret: string | null; mfaLastStep: number | null }, code: string): Promise<boolean> {
  if (!user.mfaSecret) return false;
  const step = await verifyTotp(decryptSecret(mfaKey, user.id, user.mfaSecret), code, user.mfaLastStep);
  if (step === null) return false;
  const claimed = await db
    .update(users)
    .set({ mfaLastStep: step })
    .where(and(eq(users.id, user.id), or(isNull(users.mfaLastStep), lt(users.mfaLastStep, step))))
    .returning({ id: users.id });
  return claimed.length === 1;
}

async function spendRecoveryCode(db: Db, userId: string, code: string): Promise<boolean> {
  const spent = await db
    .update(mfaRecoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(mfaRecoveryCodes.userId, userId), eq(mfaRecoveryCodes.codeHash, hashRecoveryCode(code)), isNull(mfaRecoveryCodes.usedAt)))
    .returning({ id: mfaRecoveryCodes.id });
  return spent.length === 1;
}

/**
 * Rotates a refresh token: the presented one is spent and a new one of the same family issued.
 * Presenting a spent token means it was copied: the whole family is revoked (and with it the access
 * tokens of that session) and the event audited.
 */
export async function refresh(args: { deps: AuthDeps; refreshToken: string; context: AuditContext }): Promise<Session> {
  const { deps, context } = args;
  const result = await deps.audit.inTransaction(deps.db, context, async (tx, record) => {
    const [row] = await tx
      .select({
        id: refreshTokens.id,
        familyId: refreshTokens.familyId,
        userId: refreshTokens.userId,
        expiresAt: refreshTokens.expiresAt,
        usedAt: refreshTokens.usedAt,
        revokedAt: refreshTokens.revokedAt,
        mfa: refreshTokens.mfa,
      })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(args.refreshToken)))
      .for('update');
    if (!row || row.revokedAt) return null;
    if (row.usedAt) {
      const revoked = await revokeFamily(tx, row.familyId);
      await record([
        {
          action: 'auth.refresh_reuse',
          entityType: 'user',
          entityId: row.userId,
          outcome: 'denied',
          details: { sessionId: row.familyId, tokensRevoked: revoked },
        },
      ]);
      return null;
    }
    if (row.expiresAt.getTime() <= Date.now()) return null;
    const [user] = await tx
      .select({ id: users.id, email: users.email, name: users.name, role: users.role, ministry: users.ministry, active: users.active, mfaEnabled: users.mfaEnabled })
      .from(users)
      .where(eq(users.id, row.userId));
    if (!user?.active) {
      await revokeFamily(tx, row.familyId);
      return null;
    }
    await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
    const issued = await issueRefreshToken(tx, { userId: user.id, mfa: row.mfa, ttlSeconds: deps.refreshTokenTtlSeconds, familyId: row.familyId });
    return { user, issued, mfa: row.mfa };
  });
  if (!result) throw invalidRefreshToken();
  const { user, issued, mfa } = result;
  return {
    accessToken: deps.signAccessToken({ sub: user.id, typ: 'access', mfa, sid: issued.familyId }),
    refreshToken: issued.refreshToken,
    expiresIn: deps.accessTokenTtlSeconds,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, ministry: user.ministry, mfaEnabled: user.mfaEnabled },
  };
}

/** Ends the caller's session: the family of the access token (or of the refresh token given). */
export async function logout(args: {
  deps: AuthDeps;
  actor: Actor;
  sessionId: string | undefined;
  refreshToken: string | undefined;
  context: AuditContext;
}): Promise<void> {
  const { deps, actor, context } = args;
  await deps.audit.inTransaction(deps.db, context, async (tx, record) => {
    const families = new Set<string>();
    if (args.sessionId) families.add(args.sessionId);
    if (args.refreshToken) {
      const [row] = await tx
        .select({ familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(and(eq(refreshTokens.tokenHash, hashRefreshToken(args.refreshToken)), eq(refreshTokens.userId, actor.id)));
      if (row) families.add(row.familyId);
    }
    let revoked = 0;
    for (const family of families) revoked += await revokeFamily(tx, family, actor.id);
    await record([{ action: 'auth.logout', entityType: 'user', entityId: actor.id, details: { sessions: [...families], tokensRevoked: revoked } }]);
  });
}

export interface Me {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  ministry: string | null;
  mfaEnabled: boolean;
  committees: { id: string; name: string; ministry: string; chair: boolean }[];
}

/** The account's second-factor flag and its committee seats, in one prepared statement. */
function meQuery(db: Db) {
  return db
    .select({ mfaEnabled: users.mfaEnabled, id: committees.id, name: committees.name, ministry: committees.ministry, chair: committeeMembers.chair })
    .from(users)
    .leftJoin(committeeMembers, eq(committeeMembers.userId, users.id))
    .leftJoin(committees, eq(committees.id, committeeMembers.committeeId))
    .where(eq(users.id, sql.placeholder('id')))
    .orderBy(committees.name)
    .prepare('auth_me');
}
const meQueries = new WeakMap<Db, ReturnType<typeof meQuery>>();

export async function me(args: { db: Db; actor: Actor }): Promise<Me> {
  const { db, actor } = args;
  let query = meQueries.get(db);
  if (!query) meQueries.set(db, (query = meQuery(db)));
  const rows = await query.execute({ id: actor.id });
  const seats: Me['committees'] = [];
  for (const row of rows) {
    if (row.id !== null && row.name !== null && row.ministry !== null && row.chair !== null) {
      seats.push({ id: row.id, name: row.name, ministry: row.ministry, chair: row.chair });
    }
  }
  return {
    id: actor.id,
    email: actor.email,
    name: actor.name,
    roles: [actor.role],
    ministry: actor.ministry,
    mfaEnabled: rows[0]?.mfaEnabled ?? false,
    committees: seats,
  };
}

/** Starts (or restarts) TOTP enrolment: a new secret, stored encrypted, enabled only once a code confirms it. */
export async function enrollMfa(args: { deps: AuthDeps; actor: Actor; context: AuditContext }): Promise<{ secret: string; otpauthUri: string }> {
  const { deps, actor, context } = args;
  const secret = newTotpSecret();
  await deps.audit.inTransaction(deps.db, context, async (tx, record) => {
    const [current] = await tx.select({ mfaEnabled: users.mfaEnabled }).from(users).where(eq(users.id, actor.id)).for('update');
    if (current?.mfaEnabled) throw conflict('mfa.already_enabled');
    await tx
      .update(users)
      .set({ mfaSecret: encryptSecret(deps.mfaKey, actor.id, secret), mfaLastStep: null, updatedAt: sql`now()` })
      .where(eq(users.id, actor.id));
    await record([{ action: 'mfa.enrollment_started', entityType: 'user', entityId: actor.id }]);
  });
  return { secret, otpauthUri: provisioningUri(actor.email, secret) };
}

/** Confirms enrolment with a first code; returns ten one-time recovery codes, shown only now. */
export async function confirmMfa(args: { deps: AuthDeps; actor: Actor; code: string; context: AuditContext }): Promise<{ recoveryCodes: string[] }> {
  const { deps, actor, context } = args;
  return deps.audit.inTransaction(deps.db, context, async (tx, record) => {
    const [current] = await tx
      .select({ mfaEnabled: users.mfaEnabled, mfaSecret: users.mfaSecret, mfaLastStep: users.mfaLastStep })
      .from(users)
      .where(eq(users.id, actor.id))
      .for('update');
    if (current?.mfaEnabled) throw conflict('mfa.already_enabled');
    if (!current?.mfaSecret) throw conflict('mfa.not_started');
    const step = await verifyTotp(decryptSecret(deps.mfaKey, actor.id, current.mfaSecret), args.code, current.mfaLastStep);
    if (step === null) throw invalidEnrolmentCode();
    const recoveryCodes = newRecoveryCodes();
    await tx.update(users).set({ mfaEnabled: true, mfaLastStep: step, version: sql`${users.version} + 1`, updatedAt: sql`now()` }).where(eq(users.id, actor.id));
    await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, actor.id));
    await tx.insert(mfaRecoveryCodes).values(recoveryCodes.map((code) => ({ userId: actor.id, codeHash: hashRecoveryCode(code) })));
    await record([
      { action: 'mfa.enrolled', entityType: 'user', entityId: actor.id, changes: { mfaEnabled: { before: false, after: true } }, details: { recoveryCodes: recoveryCodes.length } },
    ]);
    return { recoveryCodes };
  });
}
