import { issueActivationCode, type IssuedCode } from './activation.js';
import { and, asc, eq, ne, sql, type Placeholder, type SQL } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { StaffRole, Role } from '../../access/roles.js';
import type { Db } from '../../db/client.js';
import { statement } from '../../db/statement.js';
import type { Actor } from '../../access/actor.js';
import { isUniqueViolation } from '../../db/errors.js';
import { preconditionFailed } from '../../http/http.errors.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext, AuditEvent } from '../audit/audit.writer.js';
import { ministries } from '../reference/reference.table.js';
import { emailTaken, lastAdmin, ministryNotAllowed, ministryRequired, passwordRejected, selfChangeForbidden, unknownMinistry, userNotFound, resetNeedsSecondAdmin } from './users.errors.js';
import { hashPassword, passwordProblem } from './password.js';
import { users, accountResets } from './users.table.js';

/**
 * What other modules undo when an account changes, passed in by the composition root (src/app.ts):
 * the auth module owns sessions and recovery codes, the committees module owns seats, and both
 * already depend on this module, so it must not import them.
 */
export interface AccountHooks {
  /** Ends every live session (refresh-token family) of the user; returns how many tokens were revoked. */
  endSessions(tx: Db, userId: string): Promise<number>;
  /** Deletes the user's second-factor recovery codes. */
  dropRecoveryCodes(tx: Db, userId: string): Promise<void>;
  /** Removes the user from every committee; returns the seats they held. */
  leaveCommittees(tx: Db, userId: string): Promise<{ committeeId: string; chair: boolean }[]>;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  ministry: string | null;
  active: boolean;
  mfaEnabled: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const userColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  ministry: users.ministry,
  active: users.active,
  mfaEnabled: users.mfaEnabled,
  version: users.version,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

type UserRow = Omit<UserView, 'createdAt' | 'updatedAt'> & { createdAt: Date; updatedAt: Date };

function view(row: UserRow): UserView {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Which ministry a role may have: admins none, auditors one or none (= both), everyone else exactly one. */
async function checkMinistry(db: Db, role: Role, ministry: string | null): Promise<void> {
  if (role === 'admin') {
    if (ministry !== null) throw ministryNotAllowed();
    return;
  }
  if (ministry === null) {
    if (role === 'auditor') return;
    throw ministryRequired();
  }
  const [found] = await db.select({ code: ministries.code }).from(ministries).where(eq(ministries.code, ministry));
  if (!found) throw unknownMinistry();
}

/**
 * The account a sign-in names. Today by email; the intake module adds applicants' case reference
 * here (`{ reference }`), so the sign-in flow, throttling and timing stay one path.
 */
/** What a sign-in needs of the account it names (auth.service reads it together with the throttle state). */
export const signInColumns = { ...userColumns, passwordHash: users.passwordHash, mfaSecret: users.mfaSecret, mfaLastStep: users.mfaLastStep };

/**
 * The account a sign-in names: emails match case-insensitively (the unique index is on
 * lower(email)). `login` is normalized (`normalizeEmail`), or a placeholder for one.
 */
export function signInMatches(login: string | Placeholder): SQL {
  return sql`lower(${users.email}) = ${login}`;
}

export interface CreateStaffUserInput {
  email: string;
  name: string;
  role: StaffRole;
  ministry: string | null;
  /** Only the first admin's (admin:create, start-up): every other account gets an activation code. */
  password?: string;
}

export type CreatedUser = UserView & Partial<IssuedCode>;

/**
 * Creates a staff account, audited as user.created. An admin never chooses or learns a password:
 * without one (the admin endpoint) the account gets a one-time activation code that the admin hands
 * over in person and the person redeems with a password of their own (POST /auth/activate).
 */
export async function createStaffUser(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  context: AuditContext;
  input: CreateStaffUserInput;
  action?: 'user.created' | 'user.bootstrap_admin';
  activationTtlHours?: number;
}): Promise<CreatedUser> {
  const { db, audit, context, input } = args;
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password);
    if (problem) throw passwordRejected(problem);
  }
  await checkMinistry(db, input.role, input.ministry);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const email = normalizeEmail(input.email);
  try {
    return await audit.inTransaction(db, context, async (tx, record) => {
      const [row] = await tx
        .insert(users)
        .values({ email, name: input.name, role: input.role, ministry: input.ministry, passwordHash })
        .returning(userColumns);
      await record([
        {
          action: args.action ?? 'user.created',
          entityType: 'user',
          entityId: row!.id,
          ministry: row!.ministry,
          changes: { role: { after: row!.role }, ministry: { after: row!.ministry }, active: { after: true } },
          personal: { email: { after: email }, name: { after: input.name } },
        },
      ]);
      if (passwordHash !== null) return view(row!);
      const code = await issueActivationCode(tx, { userId: row!.id, createdBy: context.actor?.id ?? null, ttlHours: args.activationTtlHours ?? 72 });
      await record([{ action: 'user.activation_issued', entityId: row!.id, ministry: row!.ministry, details: { expiresAt: code.activationExpiresAt } }]);
      return { ...view(row!), ...code };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}

/**
 * An applicant account's insert (`returning id`), its values as placeholders `userId`, `email`,
 * `name`, `ministry` and `passwordHash` (`applicantAccountValues`; the id is chosen beforehand, so a
 * statement that also writes the account's case needs nothing back from it): a statement of its own
 * here, and the CTE `account` of a registration's, which opens the account's first session and writes
 * its case in the same statement (auth's `ACCOUNT_WITH_TOKEN`).
 */
export const APPLICANT_ACCOUNT_INSERT = sql`insert into ${users} (id, email, name, role, ministry, password_hash)
      values (${sql.placeholder('userId')}::uuid, ${sql.placeholder('email')}::text, ${sql.placeholder('name')}::text, 'applicant',
              ${sql.placeholder('ministry')}::text, ${sql.placeholder('passwordHash')}::text)
      returning id`;

/** Every walk-in account creates one: prepared. */
const insertApplicantAccount = statement<{ id: string }>('applicant_account_insert', APPLICANT_ACCOUNT_INSERT);

/** An applicant account as given: `passwordHash` null when it waits for an activation code (walk-ins, imports). */
export interface ApplicantAccount {
  email: string;
  name: string;
  ministry: string;
  passwordHash: string | null;
}

/** The placeholders' values of APPLICANT_ACCOUNT_INSERT: the account's new id (`userId`) and its fields, the email normalized. */
export interface ApplicantAccountValues extends ApplicantAccount {
  userId: string;
}

/** The placeholders' values of APPLICANT_ACCOUNT_INSERT for `account`: a new id, the email normalized. */
export function applicantAccountValues(account: ApplicantAccount): ApplicantAccountValues {
  return { ...account, userId: randomUUID(), email: normalizeEmail(account.email) };
}

/** The audit entry of an applicant account created with `values` (applicantAccountValues). */
export function applicantCreated(values: ApplicantAccountValues): AuditEvent {
  return {
    action: 'user.created',
    entityType: 'user',
    entityId: values.userId,
    changes: { role: { after: 'applicant' }, ministry: { after: values.ministry }, active: { after: true } },
    personal: { email: { after: values.email }, name: { after: values.name } },
  };
}

/**
 * For the intake module: creates an applicant's account inside the caller's transaction (the caller
 * hashes the password beforehand, with hashPassword, outside the transaction) and records
 * user.created through the caller's audit `record`.
 */
export async function createApplicantAccount(
  tx: Db,
  /** `passwordHash` null: the account waits for an activation code (walk-ins, imports). */
  input: ApplicantAccount,
  record: (events: AuditEvent[]) => Promise<void>,
): Promise<{ id: string }> {
  const values = applicantAccountValues(input);
  // No look-up first: the unique index on lower(email) refuses a taken one, and the transaction
  // that tried is rolled back either way (the logins made here are generated and never collide).
  let row: { id: string } | undefined;
  try {
    [row] = await insertApplicantAccount.rows(tx, { ...values });
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
  await record([applicantCreated(values)]);
  return { id: row!.id };
}

export interface ListUsersInput {
  limit: number;
  cursor?: string | undefined;
  role?: StaffRole | undefined;
  ministry?: string | undefined;
  active?: boolean | undefined;
}

/**
 * Staff accounts only: applicants' accounts hold their names and contacts, which are case content
 * that admins must not see. Ordered by lower-case email (unique), which is also the cursor.
 */
export async function listUsers(args: { db: Db; query: ListUsersInput }): Promise<{ items: UserView[]; nextCursor: string | null }> {
  const { db, query } = args;
  const conditions: SQL[] = [ne(users.role, 'applicant')];
  const after = decodeCursor('users', query.cursor, z.tuple([z.string()]));
  if (after) conditions.push(sql`lower(${users.email}) > ${after[0]}`);
  if (query.role) conditions.push(eq(users.role, query.role));
  if (query.ministry) conditions.push(eq(users.ministry, query.ministry));
  if (query.active !== undefined) conditions.push(eq(users.active, query.active));
  const rows = await db
    .select(userColumns)
    .from(users)
    .where(and(...conditions))
    .orderBy(sql`lower(${users.email})`)
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(view),
    nextCursor: rows.length > query.limit && last ? encodeCursor('users', [last.email.toLowerCase()]) : null,
  };
}

export async function getUser(args: { db: Db; id: string }): Promise<UserView> {
  const [row] = await args.db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.id, args.id), ne(users.role, 'applicant')));
  if (!row) throw userNotFound();
  return view(row);
}

export interface UserPatch {
  name?: string | undefined;
  role?: StaffRole | undefined;
  ministry?: string | null | undefined;
  active?: boolean | undefined;
  /** Clears the second factor (lost device); the user enrols again at next sign-in. */
  resetMfa?: true | undefined;
}

/**
 * Changes an account. Role, ministry and active take effect on the user's next request (the auth hook
 * reloads the user); disabling also ends their sessions. Nobody changes their own role, ministry,
 * active flag or second factor, and the last active admin cannot be disabled or demoted.
 */
export async function updateUser(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  context: AuditContext;
  actor: Actor;
  hooks: AccountHooks;
  id: string;
  expectedVersion: number;
  patch: UserPatch;
}): Promise<UserView> {
  const { db, audit, context, actor, hooks, id, expectedVersion, patch } = args;
  const touchesAccess = patch.role !== undefined || patch.ministry !== undefined || patch.active !== undefined || patch.resetMfa !== undefined;
  if (actor.id === id && touchesAccess) throw selfChangeForbidden();

  return audit.inTransaction(db, context, async (tx, record) => {
    // Lock the active admins first (always in id order) so two admins demoting each other can't both win.
    const activeAdmins = touchesAccess
      ? await tx
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.role, 'admin'), eq(users.active, true)))
          .orderBy(asc(users.id))
          .for('update')
      : [];
    const [current] = await tx.select().from(users).where(eq(users.id, id)).for('update');
    // Applicants' accounts are not managed here (their data is case content): as if they did not exist.
    if (!current || current.role === 'applicant') throw userNotFound();
    if (current.version !== expectedVersion) throw preconditionFailed();

    const role: Role = patch.role ?? current.role;
    let ministry = patch.ministry === undefined ? current.ministry : patch.ministry;
    if (patch.role === 'admin' && patch.ministry === undefined) ministry = null;
    const active = patch.active ?? current.active;
    if (role !== current.role || ministry !== current.ministry) await checkMinistry(tx, role, ministry);

    const removesAdmin = current.role === 'admin' && current.active && (role !== 'admin' || !active);
    if (removesAdmin && activeAdmins.filter((a) => a.id !== id).length === 0) throw lastAdmin();

    // An auditor's second factor is reset only with a second admin (POST /users/:id/resets).
    if (patch.resetMfa && current.role === 'auditor') throw resetNeedsSecondAdmin();
    const resetMfa = patch.resetMfa === true && current.mfaEnabled;
    const [row] = await tx
      .update(users)
      .set({
        name: patch.name ?? current.name,
        role,
        ministry,
        active,
        ...(patch.resetMfa ? { mfaEnabled: false, mfaSecret: null, mfaLastStep: null } : {}),
        version: sql`${users.version} + 1`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(users.id, id), eq(users.version, expectedVersion)))
      .returning(userColumns);
    if (!row) throw preconditionFailed();

    const events: AuditEvent[] = [];
    // Committee seats belong to committee members of the committee's ministry only.
    if (current.role === 'committee_member' && (role !== 'committee_member' || ministry !== current.ministry)) {
      const removed = await hooks.leaveCommittees(tx, id);
      for (const seat of removed) {
        events.push({
          action: 'committee.member_removed',
          entityType: 'committee',
          entityId: seat.committeeId,
          changes: { member: { before: id }, chair: { before: seat.chair } },
          details: { userId: id, reason: 'role_or_ministry_changed' },
        });
      }
    }
    let sessionsRevoked = 0;
    if (!active || resetMfa) sessionsRevoked = await hooks.endSessions(tx, id);
    if (patch.resetMfa) {
      await hooks.dropRecoveryCodes(tx, id);
      // Shown to the holder at their next sign-in.
      await tx.insert(accountResets).values({ userId: id, kind: 'mfa', requestedBy: actor.id, confirmedBy: actor.id, confirmedAt: sql`now()` });
    }

    const changes: NonNullable<AuditEvent['changes']> = { version: { before: current.version, after: row.version } };
    if (role !== current.role) changes.role = { before: current.role, after: role };
    if (ministry !== current.ministry) changes.ministry = { before: current.ministry, after: ministry };
    if (active !== current.active) changes.active = { before: current.active, after: active };
    if (resetMfa) changes.mfaEnabled = { before: true, after: false };
    const personal: NonNullable<AuditEvent['personal']> = {};
    if (patch.name !== undefined && patch.name !== current.name) personal.name = { before: current.name, after: patch.name };
    events.unshift({
      action: 'user.updated',
      entityType: 'user',
      entityId: id,
      ministry: row.ministry ?? current.ministry,
      changes,
      personal,
      details: sessionsRevoked > 0 ? { sessionsRevoked } : {},
    });
    await record(events);
    return view(row);
  });
}
