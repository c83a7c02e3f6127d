import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ScureBase32Plugin } from 'otplib';
import type { StaffRole } from '../../access/roles.js';
import type { Db } from '../../db/client.js';
import type { ContextualEvent } from '../audit/audit.writer.js';
import { encryptSecret } from '../auth/mfa.js';
import { committeeMembers, committees } from '../committees/committees.table.js';
import type { MinistryCode } from '../reference/reference.codes.js';
import { registrationLinks } from '../registration/registration.table.js';
import { hashPassword } from '../users/password.js';
import { users } from '../users/users.table.js';
import * as names from '../../../seeds/demo/names.js';
import type { DemoRandom } from './demo.random.js';

/**
 * The people who work the demo cases: per ministry, committees with a chair and members, ministry
 * staff; an auditor of both ministries; an admin. A handful of them are the named demo accounts
 * (README, "Demo data"): they have the demo password and a second factor already enrolled, with a
 * TOTP secret derived from the email (printed by the seed; `npm run demo:totp -- EMAIL` gives the
 * current code), so the walk-through works with `STAFF_MFA=required`. Everyone else has no password
 * (an admin would issue them an activation code).
 *
 * Demo data only: the password is public and the secrets are derivable from the emails. The seed
 * refuses a database that already has cases or staff.
 */
export const DEMO_PASSWORD = 'reintegration demo 2026';
export const DEMO_DOMAIN = 'demo.invalid';

export interface NamedAccount {
  email: string;
  name: string;
  role: StaffRole;
  ministry: MinistryCode | null;
  /** Seat on the ministry's first committee. */
  seat?: 'chair' | 'member';
}

export const NAMED_ACCOUNTS: readonly NamedAccount[] = [
  { email: `admin@${DEMO_DOMAIN}`, name: 'Demo administrator', role: 'admin', ministry: null },
  { email: `auditor@${DEMO_DOMAIN}`, name: 'Demo auditor (both ministries)', role: 'auditor', ministry: null },
  { email: `staff.interior@${DEMO_DOMAIN}`, name: 'Demo staff, Interior', role: 'ministry_staff', ministry: 'interior' },
  { email: `chair.interior@${DEMO_DOMAIN}`, name: 'Demo committee chair, Interior', role: 'committee_member', ministry: 'interior', seat: 'chair' },
  { email: `member.interior@${DEMO_DOMAIN}`, name: 'Demo committee member, Interior', role: 'committee_member', ministry: 'interior', seat: 'member' },
  { email: `staff.defense@${DEMO_DOMAIN}`, name: 'Demo staff, Defense', role: 'ministry_staff', ministry: 'defense' },
  { email: `chair.defense@${DEMO_DOMAIN}`, name: 'Demo committee chair, Defense', role: 'committee_member', ministry: 'defense', seat: 'chair' },
  { email: `member.defense@${DEMO_DOMAIN}`, name: 'Demo committee member, Defense', role: 'committee_member', ministry: 'defense', seat: 'member' },
];

/** The TOTP secret of a named demo account (base32, 160 bits), derived from its email: no state to keep. */
export function demoTotpSecret(email: string): string {
  const bytes = createHash('sha256').update(`reintegration-demo-totp:${email.toLowerCase()}`).digest().subarray(0, 20);
  return new ScureBase32Plugin().encode(bytes);
}

/** Committees per ministry; the weight is the share of the ministry's cases each is given. */
export const DEMO_COMMITTEES: Record<MinistryCode, readonly { name: string; weight: number }[]> = {
  interior: [
    { name: 'Interior — Damascus reintegration committee', weight: 3 },
    { name: 'Interior — Northern committee (Aleppo, Idlib)', weight: 2 },
  ],
  defense: [
    { name: 'Defense — Central committee (Damascus, Homs)', weight: 3 },
    { name: 'Defense — Northern committee (Aleppo, Idlib)', weight: 2 },
    { name: 'Defense — Southern committee (Daraa, Suwayda)', weight: 1 },
  ],
};

/** Registration links per ministry; the weight is the share of its link registrations each brings. */
export const DEMO_LINKS: Record<MinistryCode, readonly { label: string; weight: number }[]> = {
  interior: [
    { label: 'Official channels — Ministry of Interior', weight: 6 },
    { label: 'Gaziantep community centre', weight: 2 },
    { label: 'Amman outreach', weight: 1 },
  ],
  defense: [
    { label: 'Official channels — Ministry of Defense', weight: 6 },
    { label: 'Kilis and Hatay camps', weight: 2 },
    { label: 'Erbil outreach', weight: 1 },
  ],
};

/** Members per committee besides the named ones, and further ministry staff. */
const MEMBERS_PER_COMMITTEE = 4;
const EXTRA_STAFF = 2;

export interface DemoStaff {
  /** Per ministry: its committees' ids, in DEMO_COMMITTEES order. */
  committees: Record<MinistryCode, string[]>;
  /** Per ministry: its links' ids, in DEMO_LINKS order. */
  links: Record<MinistryCode, string[]>;
  /** Per ministry: ministry staff ids (walk-ins and imports are entered by them, in turn). */
  staff: Record<MinistryCode, string[]>;
  /** The named accounts, with their second-factor secrets. */
  accounts: (NamedAccount & { id: string; totpSecret: string })[];
}

function slug(value: string): string {
  return value
    .toLowerCase()
    .replace(/^(al|el)[- ]/, '')
    .replace(/[^a-z]/g, '');
}

/**
 * Creates the staff, committees and links in the caller's transaction; returns the entries to audit
 * (user.created, mfa.enrolled, committee.created, committee.member_added, registration_link.created).
 */
export async function createDemoStaff(
  tx: Db,
  options: { random: DemoRandom; mfaKey: string; linksOpenAt: Date },
): Promise<{ staff: DemoStaff; events: ContextualEvent[] }> {
  const { random } = options;
  const system = { actor: null, requestId: null, clientAddress: null };
  const events: ContextualEvent[] = [];
  const rows: (typeof users.$inferInsert)[] = [];
  const passwordHashes = await Promise.all(NAMED_ACCOUNTS.map(() => hashPassword(DEMO_PASSWORD)));
  const accounts = NAMED_ACCOUNTS.map((account, i) => {
    const id = randomUUID();
    const totpSecret = demoTotpSecret(account.email);
    rows.push({
      id,
      email: account.email,
      name: account.name,
      role: account.role,
      ministry: account.ministry,
      passwordHash: passwordHashes[i]!,
      mfaSecret: encryptSecret(options.mfaKey, id, totpSecret),
      mfaEnabled: true,
    });
    return { ...account, id, totpSecret };
  });
  const admin = accounts.find((a) => a.role === 'admin')!;
  const asAdmin = { actor: { id: admin.id, role: 'admin' as const }, requestId: null, clientAddress: null };

  // Everyone else: a generated name, no password until an admin issues an activation code.
  const unnamed = (role: StaffRole, ministry: MinistryCode) => {
    const given = random.pick(names.maleGivenNames);
    const family = random.pick(names.familyNames);
    const id = randomUUID();
    const email = `${slug(given.latin[0]!)}.${slug(family.latin[0]!)}.${rows.length}@${DEMO_DOMAIN}`;
    rows.push({ id, email, name: `${given.latin[0]} ${family.latin[0]}`, role, ministry, passwordHash: null });
    return id;
  };

  const staff: DemoStaff = { committees: { interior: [], defense: [] }, links: { interior: [], defense: [] }, staff: { interior: [], defense: [] }, accounts };
  const seats: { committeeId: string; userId: string; chair: boolean }[] = [];
  const committeeRows: { id: string; ministry: MinistryCode; name: string }[] = [];
  for (const ministry of ['interior', 'defense'] as const) {
    staff.staff[ministry].push(accounts.find((a) => a.ministry === ministry && a.role === 'ministry_staff')!.id);
    for (let i = 0; i < EXTRA_STAFF; i++) staff.staff[ministry].push(unnamed('ministry_staff', ministry));
    DEMO_COMMITTEES[ministry].forEach((committee, index) => {
      const id = randomUUID();
      committeeRows.push({ id, ministry, name: committee.name });
      staff.committees[ministry].push(id);
      const named = index === 0 ? accounts.filter((a) => a.ministry === ministry && a.seat) : [];
      for (const account of named) seats.push({ committeeId: id, userId: account.id, chair: account.seat === 'chair' });
      const hasChair = named.some((a) => a.seat === 'chair');
      for (let m = 0; m < MEMBERS_PER_COMMITTEE - named.length + 1; m++) {
        seats.push({ committeeId: id, userId: unnamed('committee_member', ministry), chair: !hasChair && m === 0 });
      }
    });
  }

  await tx.insert(users).values(rows);
  for (const row of rows) {
    events.push({
      context: system,
      event: {
        action: 'user.created',
        entityType: 'user',
        entityId: row.id!,
        ministry: row.ministry ?? null,
        changes: { role: { after: row.role }, ministry: { after: row.ministry ?? null }, active: { after: true } },
        personal: { email: { after: row.email }, name: { after: row.name } },
      },
    });
  }
  for (const account of accounts) {
    events.push({
      context: { actor: { id: account.id, role: account.role }, requestId: null, clientAddress: null },
      event: { action: 'mfa.enrolled', entityType: 'user', entityId: account.id, changes: { mfaEnabled: { before: false, after: true } }, details: { recoveryCodes: 0 } },
    });
  }
  await tx.insert(committees).values(committeeRows);
  await tx.insert(committeeMembers).values(seats);
  for (const committee of committeeRows) {
    events.push({ context: asAdmin, event: { action: 'committee.created', entityType: 'committee', entityId: committee.id, changes: { ministry: { after: committee.ministry }, name: { after: committee.name } } } });
  }
  for (const seat of seats) {
    events.push({
      context: asAdmin,
      event: { action: 'committee.member_added', entityType: 'committee', entityId: seat.committeeId, changes: { member: { after: seat.userId }, chair: { after: seat.chair } }, details: { userId: seat.userId } },
    });
  }

  const linkRows: (typeof registrationLinks.$inferInsert)[] = [];
  for (const ministry of ['interior', 'defense'] as const) {
    for (const link of DEMO_LINKS[ministry]) {
      const id = randomUUID();
      staff.links[ministry].push(id);
      // Tokens stay random: a published link must not be guessable, demo or not.
      linkRows.push({ id, token: randomBytes(32).toString('base64url'), ministry, label: link.label, createdBy: staff.staff[ministry][0]!, createdAt: options.linksOpenAt });
    }
  }
  await tx.insert(registrationLinks).values(linkRows);
  for (const link of linkRows) {
    events.push({
      context: { actor: { id: link.createdBy, role: 'ministry_staff' }, requestId: null, clientAddress: null },
      event: { action: 'registration_link.created', entityId: link.id!, ministry: link.ministry, details: { label: link.label, opensAt: null, closesAt: null, maxRegistrations: null } },
    });
  }
  return { staff, events };
}
