import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { retryAfter } from '../../http/errors.js';
import { serverBusy, throttled } from '../../http/http.errors.js';
import type { ApplicantInput } from '../applications/applicant.fields.js';
import { caseStatement, insertCase } from '../applications/applications.intake.js';
import { CASE_ENTITY } from '../applications/applications.state.js';
import { applications } from '../applications/applications.table.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { claimAttempt, releaseAttempt, type ThrottleSettings } from '../auth/throttle.js';
import { ACCOUNT_WITH_TOKEN } from '../auth/tokens.js';
import type { NewApplicantSession } from '../auth/auth.service.js';
import { HASH_CAPACITY, hashPassword } from '../users/password.js';
import type { ApplicantAccount } from '../users/users.service.js';
import { applicantLogin } from '../applications/applications.intake.js';
import { linkGone } from './registration.errors.js';
import { linkStatus } from './registration.links.js';
import { linkRegistrations, registrationLinks } from './registration.table.js';

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
}
/** Opens a session for an applicant in the given transaction (the auth module's, wired by src/app.ts). */
export type OpenSession = (tx: Db, userId: string) => Promise<SessionTokens>;
/**
 * A new applicant account with its first session, not yet stored: the values of ACCOUNT_WITH_TOKEN's
 * placeholders, its user.created entry and the session's tokens (the auth module's
 * `newApplicantSession`, wired by src/app.ts, which signs the access token).
 */
export type NewAccount = (account: ApplicantAccount) => NewApplicantSession;

export interface RegistrationSettings {
  windowSeconds: number;
  addressMax: number;
  linkMax: number;
}

/**
 * At most `concurrency` password hashes of registrations at once (by default as many as the hashing
 * threads hold, HASH_CAPACITY), and at most `queue` waiting: a flood is answered 503 at once instead of
 * starving sign-ins and everything else of the hashing threads.
 */
export function createHashGate(options: { concurrency?: number | undefined; queue: number; hash?: (password: string) => Promise<string> }) {
  const hash = options.hash ?? hashPassword;
  const concurrency = options.concurrency ?? HASH_CAPACITY;
  let running = 0;
  const waiting: (() => void)[] = [];
  return async function gatedHash(password: string): Promise<string> {
    if (running >= concurrency) {
      if (waiting.length >= options.queue) throw serverBusy({ headers: retryAfter(2) });
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      return await hash(password);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}
export type HashGate = ReturnType<typeof createHashGate>;

/**
 * The registration throttle, counted in the sign-in throttle's table so every instance shares it:
 * each registration claims a slot per (link, address), per address and per link. Nothing is given
 * back for a registration that went through: these are rates, not failures.
 */
export async function claimRegistration(db: Db, settings: RegistrationSettings, linkId: string, clientAddress: string): Promise<void> {
  const keys = { pair: `register:${linkId}|${clientAddress}`, address: `register-address:${clientAddress}`, account: `register-link:${linkId}` };
  const throttle: ThrottleSettings = {
    maxFailures: settings.addressMax,
    addressMaxFailures: settings.addressMax,
    accountMaxFailures: settings.linkMax,
    windowSeconds: settings.windowSeconds,
    lockoutSeconds: settings.windowSeconds,
    backoffMaxSeconds: settings.windowSeconds,
  };
  const claim = await claimAttempt(db, keys, throttle);
  if (!claim.granted) throw throttled({ headers: retryAfter(Math.ceil(claim.retryAfterSeconds)) });
  if (claim.accountPastLimit) {
    await releaseAttempt(db, keys);
    throw throttled({ headers: retryAfter(Math.max(1, Math.ceil(claim.retryAfterSeconds))) });
  }
}

export interface Registered {
  applicationId: string;
  reference: string;
}

/**
 * The applicant's account with its first session, the link's registration counted if the cap allows,
 * then the case written and linked to the link, in one statement (`caseStatement`: prepared, as every
 * registration runs it). The link's row lock comes first, then the reference counter's and the
 * flagging turn's, as a case takes them; nothing else takes the link's after those. No row: the cap
 * is reached, and no case was written (the account was: the caller rolls it back).
 */
const registerCase = caseStatement<{
  linkId: string;
  ministry: string;
  opensAt: string | null;
  closesAt: string | null;
  revokedAt: string | null;
  maxRegistrations: number | null;
  registrationsCount: number;
}>('registration_case', {
  before: sql`${ACCOUNT_WITH_TOKEN},
      counted as (
        update ${registrationLinks} set registrations_count = registrations_count + 1
        where id = ${sql.placeholder('linkId')}::uuid and (max_registrations is null or registrations_count < max_registrations)
        returning id, ministry, opens_at, closes_at, revoked_at, max_registrations, registrations_count)`,
  gate: sql`select id from counted`,
  after: sql`linked as (insert into ${linkRegistrations} (application_id, link_id, created_at) select cases.id, counted.id, now() from cases, counted)`,
  select: sql`k.id as "linkId", k.ministry, k.opens_at as "opensAt", k.closes_at as "closesAt", k.revoked_at as "revokedAt",
        k.max_registrations as "maxRegistrations", k.registrations_count as "registrationsCount"`,
  from: sql`counted k`,
});

/** A timestamp as the driver gives it (text), as a Date. */
function atOrNull(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}

/**
 * Creates the applicant account and the case in one audited transaction, holding the link's row lock
 * while it counts the registration, so a cap holds exactly. The password is hashed before (never under
 * the lock). The answer never depends on whether the person is already known: a repeated national
 * ID, service number or email only adds duplicate candidates.
 */
export async function register(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  context: AuditContext;
  linkId: string;
  /** The link's ministry, as read before the transaction. */
  ministry: string;
  applicant: ApplicantInput;
  passwordHash: string;
  consentVersion: string;
  newAccount: NewAccount;
  /** Stores the idempotency outcome in the same transaction. */
  complete: (tx: Db, stored: { status: number; outcome: Registered }) => Promise<void>;
}): Promise<Registered & SessionTokens> {
  // Applicants sign in with their case reference; their email is only a contact and need not be unique.
  const account = args.newAccount({ email: applicantLogin(), name: args.applicant.fullNameLatin ?? args.applicant.fullNameAr, ministry: args.ministry, passwordHash: args.passwordHash });
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    // The account's placeholders and the case's share `ministry`: the account is the link's ministry's.
    const created = await insertCase(
      tx,
      { ministry: args.ministry, channel: 'link', applicant: args.applicant, applicantUserId: account.userId, consentVersion: args.consentVersion },
      { statement: registerCase, values: { ...account.values, linkId: args.linkId } },
    );
    // No case: the cap is reached. Otherwise the count includes this registration; the link must
    // have been open before it (if not, the transaction is rolled back, the link row with it).
    if (!created) throw linkGone();
    const link = {
      ...created.row,
      opensAt: atOrNull(created.row.opensAt),
      closesAt: atOrNull(created.row.closesAt),
      revokedAt: atOrNull(created.row.revokedAt),
    };
    if (link.ministry !== args.ministry || linkStatus({ ...link, registrationsCount: link.registrationsCount - 1 }) !== 'open') throw linkGone();
    await record([
      account.created,
      {
        action: 'application.registered',
        entityType: CASE_ENTITY,
        entityId: created.id,
        caseId: created.id,
        ministry: link.ministry,
        details: {
          status: 'submitted',
          channel: 'link',
          reference: created.reference,
          linkId: link.linkId,
          consentVersion: args.consentVersion,
          duplicateCandidates: created.duplicateCandidates,
        },
      },
    ]);
    const outcome = { applicationId: created.id, reference: created.reference };
    await args.complete(tx, { status: 201, outcome });
    return { ...outcome, accessToken: account.accessToken, refreshToken: account.refreshToken };
  });
}

/** A replay of a registration: the same case, with a fresh session (no token is ever stored). */
export async function replayRegistration(db: Db, openSession: OpenSession, stored: Registered): Promise<Registered & SessionTokens> {
  const [row] = await db.select({ userId: applications.applicantUserId }).from(applications).where(eq(applications.id, stored.applicationId));
  if (!row?.userId) throw new Error('a stored registration has no applicant');
  return { ...stored, ...(await openSession(db, row.userId)) };
}

