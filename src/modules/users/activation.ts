import { and, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../access/actor.js';
import type { Db } from '../../db/client.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { hashPassword, passwordProblem } from './password.js';
import { invalidActivationCode, passwordRejected, resetConfirmedBySameAdmin, resetNotFound, selfChangeForbidden, userNotFound } from './users.errors.js';
import { accountResets, activationCodes, users } from './users.table.js';
import type { AccountHooks } from './users.service.js';

/** Crockford base32 without the look-alikes: a code is read aloud or copied from paper. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 20 symbols (100 random bits) in groups of four: `K7QD-9XWM-…`. */
export function newActivationCode(): string {
  const bytes = randomBytes(20);
  let code = '';
  for (let i = 0; i < 20; i++) code += ALPHABET[bytes[i]! & 31];
  return code.match(/.{4}/g)!.join('-');
}

/** Hyphens, spaces and case do not matter when a code is typed. */
export function hashActivationCode(code: string): string {
  const normalized = code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return createHash('sha256').update(normalized).digest('hex');
}

export interface IssuedCode {
  activationCode: string;
  activationExpiresAt: string;
}

/** A new code for `userId`; every code it had before is void. Inside the caller's audited transaction. */
export async function issueActivationCode(tx: Db, args: { userId: string; createdBy: string | null; ttlHours: number }): Promise<IssuedCode> {
  await tx
    .update(activationCodes)
    .set({ voidedAt: sql`now()` })
    .where(and(eq(activationCodes.userId, args.userId), isNull(activationCodes.usedAt), isNull(activationCodes.voidedAt)));
  const activationCode = newActivationCode();
  const [row] = await tx
    .insert(activationCodes)
    .values({ userId: args.userId, codeHash: hashActivationCode(activationCode), createdBy: args.createdBy, expiresAt: sql`now() + make_interval(hours => ${args.ttlHours}::int)` })
    .returning({ expiresAt: activationCodes.expiresAt });
  return { activationCode, activationExpiresAt: row!.expiresAt.toISOString() };
}

export type ResetKind = 'activation' | 'mfa';

export type ResetOutcome =
  | { status: 'done'; resetId: string; code?: IssuedCode }
  | { status: 'pending'; resetId: string };

/** Who resets which account, and what the users module may undo in others (sessions, recovery codes). */
interface ResetArgs {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  hooks: Pick<AccountHooks, 'endSessions' | 'dropRecoveryCodes'>;
  context: AuditContext;
  actor: Actor;
  userId: string;
  ttlHours: number;
}

/**
 * Resets an account: a new activation code (the password stops working, every session ends) or its
 * second factor cleared (sessions end). An auditor's account — the one role that reads case content
 * and the audit trail — is reset only once a second admin confirms, so no single admin can take it
 * over. The holder is told at their next sign-in.
 */
export async function requestReset(args: ResetArgs & { kind: ResetKind }): Promise<ResetOutcome> {
  const { actor, userId, kind } = args;
  if (actor.id === userId) throw selfChangeForbidden();
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    const [target] = await tx.select({ id: users.id, role: users.role, ministry: users.ministry }).from(users).where(eq(users.id, userId)).for('update');
    if (!target || target.role === 'applicant') throw userNotFound();
    const needsSecond = target.role === 'auditor';
    const [reset] = await tx
      .insert(accountResets)
      .values({ userId, kind, requestedBy: actor.id, ...(needsSecond ? {} : { confirmedBy: actor.id, confirmedAt: sql`now()` }) })
      .returning({ id: accountResets.id });
    if (needsSecond) {
      await record([{ action: 'user.reset_requested', entityId: userId, ministry: target.ministry, details: { kind, resetId: reset!.id, needsSecondAdmin: true } }]);
      return { status: 'pending' as const, resetId: reset!.id };
    }
    const code = await applyReset(tx, args.hooks, { userId, kind, createdBy: actor.id, ttlHours: args.ttlHours });
    await record([{ action: 'user.reset', entityId: userId, ministry: target.ministry, details: { kind, resetId: reset!.id, sessionsRevoked: code.sessionsRevoked } }]);
    return { status: 'done' as const, resetId: reset!.id, ...(code.issued ? { code: code.issued } : {}) };
  });
}

/** A second admin confirms a pending reset of an auditor's account; the code (if any) goes to them. */
export async function confirmReset(args: ResetArgs & { resetId: string }): Promise<ResetOutcome> {
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    const [reset] = await tx
      .select()
      .from(accountResets)
      .where(and(eq(accountResets.id, args.resetId), eq(accountResets.userId, args.userId), isNull(accountResets.confirmedAt)))
      .for('update');
    if (!reset) throw resetNotFound();
    if (reset.requestedBy === args.actor.id || args.userId === args.actor.id) throw resetConfirmedBySameAdmin();
    const [target] = await tx.select({ ministry: users.ministry }).from(users).where(eq(users.id, args.userId)).for('update');
    if (!target) throw userNotFound();
    await tx.update(accountResets).set({ confirmedBy: args.actor.id, confirmedAt: sql`now()` }).where(eq(accountResets.id, reset.id));
    const code = await applyReset(tx, args.hooks, { userId: args.userId, kind: reset.kind, createdBy: args.actor.id, ttlHours: args.ttlHours });
    await record([
      {
        action: 'user.reset',
        entityId: args.userId,
        ministry: target.ministry,
        details: { kind: reset.kind, resetId: reset.id, requestedBy: reset.requestedBy, sessionsRevoked: code.sessionsRevoked },
      },
    ]);
    return { status: 'done' as const, resetId: reset.id, ...(code.issued ? { code: code.issued } : {}) };
  });
}

async function applyReset(tx: Db, hooks: Pick<AccountHooks, 'endSessions' | 'dropRecoveryCodes'>, args: { userId: string; kind: ResetKind; createdBy: string; ttlHours: number }) {
  const sessionsRevoked = await hooks.endSessions(tx, args.userId);
  if (args.kind === 'mfa') {
    await tx.update(users).set({ mfaEnabled: false, mfaSecret: null, mfaLastStep: null, version: sql`${users.version} + 1`, updatedAt: sql`now()` }).where(eq(users.id, args.userId));
    await hooks.dropRecoveryCodes(tx, args.userId);
    return { sessionsRevoked, issued: null };
  }
  await tx.update(users).set({ passwordHash: null, version: sql`${users.version} + 1`, updatedAt: sql`now()` }).where(eq(users.id, args.userId));
  return { sessionsRevoked, issued: await issueActivationCode(tx, { userId: args.userId, createdBy: args.createdBy, ttlHours: args.ttlHours }) };
}

/**
 * The person sets their own password with a code handed over in person. The code is spent in the
 * same transaction (a second, concurrent redemption finds it used). The caller throttles attempts.
 */
export async function redeemActivationCode(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  context: AuditContext;
  code: string;
  password: string;
}): Promise<{ userId: string }> {
  const problem = passwordProblem(args.password);
  if (problem) throw passwordRejected(problem);
  const passwordHash = await hashPassword(args.password);
  const codeHash = hashActivationCode(args.code);
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
      const [spent] = await tx
        .update(activationCodes)
        .set({ usedAt: sql`now()` })
        .where(and(eq(activationCodes.codeHash, codeHash), isNull(activationCodes.usedAt), isNull(activationCodes.voidedAt), gt(activationCodes.expiresAt, sql`now()`)))
        .returning({ userId: activationCodes.userId });
      if (!spent) throw invalidActivationCode();
      const [user] = await tx
        .update(users)
        .set({ passwordHash, version: sql`${users.version} + 1`, updatedAt: sql`now()` })
        .where(eq(users.id, spent.userId))
        .returning({ id: users.id, ministry: users.ministry });
      if (!user) throw invalidActivationCode();
      await record([{ action: 'user.activated', entityId: user.id, ministry: user.ministry }]);
      return { userId: user.id };
  });
}

/** Resets of the holder's account not shown yet: returned once at sign-in, then marked seen. */
export async function takeNotices(tx: Db, userId: string): Promise<{ kind: ResetKind; at: string }[]> {
  const rows = await tx
    .update(accountResets)
    .set({ seenAt: sql`now()` })
    .where(and(eq(accountResets.userId, userId), isNotNull(accountResets.confirmedAt), isNull(accountResets.seenAt)))
    .returning({ kind: accountResets.kind, at: accountResets.confirmedAt });
  return rows.sort((a, b) => a.at!.getTime() - b.at!.getTime()).map((r) => ({ kind: r.kind, at: r.at!.toISOString() }));
}
