import { and, eq, isNull, or, lt, sql } from 'drizzle-orm';
import type { Role } from '../../access/roles.js';
import type { Db } from '../../db/client.js';
import { preparedPerDb } from '../../db/statement.js';
import type { Actor } from '../../access/actor.js';
import { AppError } from '../../http/errors.js';
import type { AccessClaims } from '../../http/auth.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext, AuditEvent } from '../audit/audit.writer.js';
import { takeNotices } from '../users/activation.js';
import { dummyPasswordHash, verifyPassword } from '../users/password.js';
import { applicantCreated, normalizeEmail, signInColumns, signInMatches, type ApplicantAccount } from '../users/users.service.js';
import { users } from '../users/users.table.js';
import { committeeMembers, committees } from '../committees/committees.table.js';
import { mfaRecoveryCodes, refreshTokens } from './auth.table.js';
import { accountLocked, invalidCredentials, invalidEnrolmentCode, invalidMfaCode, invalidRefreshToken, mfaAlreadyEnabled, mfaCodeRequired, mfaNotStarted } from './auth.errors.js';
import { decryptSecret, encryptSecret, hashRecoveryCode, newRecoveryCodes, newTotpSecret, provisioningUri, verifyTotp } from './mfa.js';
import { claimAttempt, guessUnderClaim, recordFailure, recordSuccess, releaseAttempt, throttleKeys, type ThrottleSettings } from './throttle.js';
import { hashRefreshToken, newAccountWithToken, issueRefreshToken, lockFamily, revokeFamily } from './tokens.js';

export interface AuthDeps {
  db: Db;
  audit: AuditTrail;
  mfaKey: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  throttle: ThrottleSettings;
  signAccessToken: (claims: AccessClaims) => string;
  /** The applicant account of a case, by its reference (the applications module's, wired by src/app.ts). */
  applicantByReference: (db: Db, reference: string) => Promise<SignInRow[]>;
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
  /** Resets of this account by an admin (a new activation code, the second factor cleared) since the last sign-in. */
  notices?: { kind: 'activation' | 'mfa'; at: string }[];
}

export interface LoginInput {
  /** Staff sign in with their email… */
  email?: string | undefined;
  /** …applicants with their case reference (MOI-2025-000123): an applicant's email is only a contact. */
  reference?: string | undefined;
  password: string;
  totp?: string | undefined;
  recoveryCode?: string | undefined;
}

/** The account a staff sign-in names, by email; prepared, since every sign-in runs it. */
function buildEmailLookup(db: Db) {
  return db.select(signInColumns).from(users).where(signInMatches(sql.placeholder('login'))).prepare('sign_in_by_email');
}
const emailLookup = preparedPerDb(buildEmailLookup);

export type SignInRow = Awaited<ReturnType<ReturnType<typeof buildEmailLookup>['execute']>>[number];

/**
 * Password sign-in, for staff by email and for applicants by case reference. Each attempt first
 * claims its slot in the lockout counters (throttle.ts), so concurrent guesses beyond the limits are
 * refused before anything is verified. Unknown accounts are verified against a dummy hash and
 * counted like real ones, so neither the answer nor its timing says whether an account exists.
 * Accounts with a second factor also need a TOTP code or a recovery code.
 */
export async function login(args: { deps: AuthDeps; input: LoginInput; context: AuditContext }): Promise<Session> {
  const { deps, input, context } = args;
  const { db, audit, throttle } = deps;
  const login = input.reference !== undefined ? `ref:${input.reference.trim().toUpperCase()}` : normalizeEmail(input.email ?? '');
  const keys = throttleKeys(login, context.clientAddress ?? 'unknown');
  const [user] =
    input.reference !== undefined ? await deps.applicantByReference(db, input.reference.trim().toUpperCase()) : await emailLookup(db).execute({ login });
  const hasCode = Boolean(input.totp ?? input.recoveryCode);

  const refuse = async (retryAfterSeconds: number, scope: string): Promise<never> => {
    // Group commit: hammering a locked account must not serialize the audit chain one attempt at a time.
    await audit.read(context, { action: 'auth.login', entityType: 'user', entityId: user?.id ?? null, outcome: 'denied', details: { reason: 'locked', scope } });
    throw accountLocked(retryAfterSeconds);
  };
  const claim = await claimAttempt(db, keys, throttle);
  if (!claim.granted) return refuse(claim.retryAfterSeconds, claim.scope);
  // Past the account's limit, only a back-off's first attempt, or one carrying a second-factor code
  // for an account that has one, is evaluated.
  if (claim.accountPastLimit && claim.retryAfterSeconds > 0 && !(user?.mfaEnabled && hasCode)) {
    await releaseAttempt(db, keys);
    return refuse(claim.retryAfterSeconds, 'account');
  }

  let passwordOk: boolean;
  try {
    passwordOk = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
  } catch (error) {
    await releaseAttempt(db, keys);
    throw error;
  }

  /**
   * The claim stays counted as the failure (written on its own, autocommitted), then the entries are
   * group-committed: a refusal changes nothing but the counters, and a counter must count even when
   * the log is slow.
   */
  const fail = async (reason: string): Promise<never> => {
    const outcome = await recordFailure(db, keys, throttle);
    const events: AuditEvent[] = [
      { action: 'auth.login', entityType: 'user', entityId: user?.id ?? null, outcome: 'failure', details: { reason, login } },
    ];
    for (const scope of outcome.lockedNow) {
      events.push({
        action: 'auth.lockout',
        entityType: scope === 'address' ? 'client_address' : 'user',
        entityId: scope === 'address' ? null : (user?.id ?? null),
        outcome: 'denied',
        details: { scope, failures: outcome.failures[scope], lockoutSeconds: throttle.lockoutSeconds, ...(scope === 'pair' ? { login } : {}) },
      });
    }
    await Promise.all(events.map((event) => audit.read(context, event)));
    throw reason === 'bad_mfa_code' ? invalidMfaCode() : invalidCredentials();
  };

  if (!user) return fail('unknown_account');
  if (user.passwordHash === null) return fail('not_activated');
  if (!passwordOk) return fail('bad_password');
  if (!user.active) return fail('disabled');

  let secondFactor: 'totp' | 'recovery_code' | null = null;
  if (user.mfaEnabled) {
    if (!input.totp && !input.recoveryCode) {
      // Not a failure: the password was right. The claim is given back.
      await releaseAttempt(db, keys);
      throw mfaCodeRequired();
    }
    if (input.totp) {
      if (await acceptTotp(db, deps.mfaKey, user, input.totp)) secondFactor = 'totp';
    } else if (input.recoveryCode && (await spendRecoveryCode(db, user.id, input.recoveryCode))) {
      secondFactor = 'recovery_code';
    }
    if (!secondFactor) return fail('bad_mfa_code');
  }
  // Applicants' second factor is optional; staff without one get a token that only reaches enrolment.
  const mfa = user.role === 'applicant' || secondFactor !== null;

  await recordSuccess(db, keys);
  // The session and its audit entry commit together, like any audited change: no session without
  // its entry, no entry without its session. Signed in: the entry names the user as its actor.
  const signedIn: AuditContext = { ...context, actor: { id: user.id, role: user.role } };
  const { issued, notices } = await audit.inTransaction(db, signedIn, async (tx, record) => {
    const token = await issueRefreshToken(tx, { userId: user.id, mfa, ttlSeconds: deps.refreshTokenTtlSeconds });
    await record([{ action: 'auth.login', entityType: 'user', entityId: user.id, details: { secondFactor, sessionId: token.familyId } }]);
    // Resets of this account by an admin since the last sign-in, shown once.
    return { issued: token, notices: await takeNotices(tx, user.id) };
  });
  return {
    accessToken: deps.signAccessToken({ sub: user.id, typ: 'access', mfa, sid: issued.familyId }),
    refreshToken: issued.refreshToken,
    expiresIn: deps.accessTokenTtlSeconds,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, ministry: user.ministry, mfaEnabled: user.mfaEnabled },
    notices,
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
  const tokenHash = hashRefreshToken(args.refreshToken);
  const result = await deps.audit.inTransaction(deps.db, context, async (tx, record) => {
    // The family first: its lock serializes rotation and revocation of one session, so a revocation
    // always sees (and revokes) the token a concurrent rotation issues, and a rotation waiting for it
    // then finds its token revoked.
    const [named] = await tx.select({ familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
    if (!named) throw invalidRefreshToken();
    await lockFamily(tx, named.familyId);
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
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .for('update');
    // Nothing changes for an unknown, revoked or expired token: the transaction ends without an entry.
    if (!row || row.revokedAt) throw invalidRefreshToken();
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
    if (row.expiresAt.getTime() <= Date.now()) throw invalidRefreshToken();
    const [user] = await tx
      .select({ id: users.id, email: users.email, name: users.name, role: users.role, ministry: users.ministry, active: users.active, mfaEnabled: users.mfaEnabled })
      .from(users)
      .where(eq(users.id, row.userId));
    if (!user?.active) {
      const revoked = await revokeFamily(tx, row.familyId);
      await record([
        { action: 'auth.session_ended', entityType: 'user', entityId: row.userId, outcome: 'denied', details: { sessionId: row.familyId, reason: 'account_disabled', tokensRevoked: revoked } },
      ]);
      return null;
    }
    await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
    const issued = await issueRefreshToken(tx, { userId: user.id, mfa: row.mfa, ttlSeconds: deps.refreshTokenTtlSeconds, familyId: row.familyId });
    await record([{ action: 'auth.refresh', entityType: 'user', entityId: user.id, details: { sessionId: row.familyId } }]);
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
const meQueries = preparedPerDb(meQuery);

export async function me(args: { db: Db; actor: Actor }): Promise<Me> {
  const { db, actor } = args;
  const rows = await meQueries(db).execute({ id: actor.id });
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
    if (current?.mfaEnabled) throw mfaAlreadyEnabled();
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
  // Enrolment codes are guessed like any code: the same atomic claims as sign-in, per account and address.
  const keys = throttleKeys(`mfa-enrol:${actor.id}`, context.clientAddress ?? 'unknown');
  return guessUnderClaim(
    deps.db,
    keys,
    deps.throttle,
    (error) => error instanceof AppError && error.code === invalidEnrolmentCode.definition.code,
    () => enrolWithCode(args),
  );
}

function enrolWithCode(args: { deps: AuthDeps; actor: Actor; code: string; context: AuditContext }): Promise<{ recoveryCodes: string[] }> {
  const { deps, actor, context } = args;
  return deps.audit.inTransaction(deps.db, context, async (tx, record) => {
    const [current] = await tx
      .select({ mfaEnabled: users.mfaEnabled, mfaSecret: users.mfaSecret, mfaLastStep: users.mfaLastStep })
      .from(users)
      .where(eq(users.id, actor.id))
      .for('update');
    if (current?.mfaEnabled) throw mfaAlreadyEnabled();
    if (!current?.mfaSecret) throw mfaNotStarted();
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

/** A registration's applicant account with its first session, before the registration's statement writes them. */
export interface NewApplicantSession {
  userId: string;
  /** The values of tokens' ACCOUNT_WITH_TOKEN placeholders: the account and its session's refresh token. */
  values: Record<string, unknown>;
  /** The account's user.created entry, for the caller's `record`. */
  created: AuditEvent;
  accessToken: string;
  refreshToken: string;
}

/**
 * A registration's applicant account with its first session, not yet stored: the registration writes
 * them with its case in one statement (ACCOUNT_WITH_TOKEN's CTEs), so the account is never without
 * its session or its case. The tokens are handed out only once that transaction commits; before, the
 * refresh token has no row and the access token names a session that does not exist. The registration
 * module reaches it through src/app.ts.
 */
export function newApplicantSession(
  deps: Pick<AuthDeps, 'refreshTokenTtlSeconds' | 'signAccessToken'>,
  account: ApplicantAccount,
): NewApplicantSession {
  const created = newAccountWithToken(account, { mfa: true, ttlSeconds: deps.refreshTokenTtlSeconds });
  return {
    userId: created.userId,
    values: created.values,
    created: applicantCreated(created.account),
    accessToken: deps.signAccessToken({ sub: created.userId, typ: 'access', mfa: true, sid: created.familyId }),
    refreshToken: created.refreshToken,
  };
}

/**
 * A new session for an applicant who has just registered (or replays a registration): a refresh
 * token family written in the caller's transaction, and an access token naming it. The registration
 * module reaches it through src/app.ts.
 */
export async function openSession(
  deps: Pick<AuthDeps, 'refreshTokenTtlSeconds' | 'accessTokenTtlSeconds' | 'signAccessToken'>,
  tx: Db,
  userId: string,
): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
  const issued = await issueRefreshToken(tx, { userId, mfa: true, ttlSeconds: deps.refreshTokenTtlSeconds });
  return {
    accessToken: deps.signAccessToken({ sub: userId, typ: 'access', mfa: true, sid: issued.familyId }),
    refreshToken: issued.refreshToken,
    expiresIn: deps.accessTokenTtlSeconds,
  };
}
