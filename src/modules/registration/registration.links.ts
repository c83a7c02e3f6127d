import { randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../../access/actor.js';
import type { Db } from '../../db/client.js';
import { forbidden } from '../../http/http.errors.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { linkNotFound, linkWindowInvalid } from './registration.errors.js';
import { registrationLinks } from './registration.table.js';

export const LINK_STATUSES = ['scheduled', 'open', 'closed', 'full', 'revoked'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

type LinkRow = typeof registrationLinks.$inferSelect;

/** Derived from the row and the clock, never stored. */
export function linkStatus(link: Pick<LinkRow, 'revokedAt' | 'opensAt' | 'closesAt' | 'maxRegistrations' | 'registrationsCount'>, now = new Date()): LinkStatus {
  if (link.revokedAt) return 'revoked';
  if (link.closesAt && link.closesAt <= now) return 'closed';
  if (link.maxRegistrations !== null && link.registrationsCount >= link.maxRegistrations) return 'full';
  if (link.opensAt && link.opensAt > now) return 'scheduled';
  return 'open';
}

/** How long a registration trusts a link it read as open before reading it again. */
export const LINK_MEMORY_MS = 5_000;
/** At most this many links remembered (the oldest read is forgotten first). */
const LINK_MEMORY_SIZE = 1_000;

/**
 * Links by token for registrations, read from the database at most once per LINK_MEMORY_MS each: a
 * wave of registrations on one link is one statement less each. Safe because a link only ever
 * closes: its token, ministry, window and cap never change, and revocation and the count are checked
 * again where they count, in the registration's transaction (`registerCase`), which refuses a
 * link revoked or full since it was read here — on this instance or another. A link remembered
 * closed is closed. An unknown token is not remembered, so a link created elsewhere is found at once.
 */
export function createLinkMemory(read: (token: string) => Promise<LinkRow | undefined>) {
  const remembered = new Map<string, { link: LinkRow; until: number }>();
  return {
    async find(token: string): Promise<LinkRow | undefined> {
      const now = Date.now();
      const entry = remembered.get(token);
      if (entry && entry.until > now) return entry.link;
      const link = await read(token);
      remembered.delete(token);
      if (link) {
        if (remembered.size >= LINK_MEMORY_SIZE) remembered.delete(remembered.keys().next().value!);
        remembered.set(token, { link, until: now + LINK_MEMORY_MS });
      }
      return link;
    },
    /** Read it again next time (it was revoked here, or a registration found it closed). */
    forget(token: string): void {
      remembered.delete(token);
    },
  };
}

/** `PUBLIC_BASE_URL/apply/<token>`; relative when no public base URL is configured. */
export function linkUrl(publicBaseUrl: string | undefined, token: string): string {
  return `${(publicBaseUrl ?? '').replace(/\/+$/, '')}/apply/${token}`;
}

export function linkView(link: LinkRow, publicBaseUrl: string | undefined) {
  return {
    id: link.id,
    token: link.token,
    url: linkUrl(publicBaseUrl, link.token),
    ministry: link.ministry,
    label: link.label,
    opensAt: link.opensAt?.toISOString() ?? null,
    closesAt: link.closesAt?.toISOString() ?? null,
    maxRegistrations: link.maxRegistrations,
    registrationsCount: link.registrationsCount,
    status: linkStatus(link),
    revokedAt: link.revokedAt?.toISOString() ?? null,
    createdAt: link.createdAt.toISOString(),
  };
}

function staffMinistry(actor: Actor): string {
  if (actor.role !== 'ministry_staff' || !actor.ministry) throw forbidden();
  return actor.ministry;
}

export async function createLink(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  actor: Actor;
  context: AuditContext;
  publicBaseUrl: string | undefined;
  input: { label: string; opensAt?: string | undefined; closesAt?: string | undefined; maxRegistrations?: number | undefined };
}) {
  const ministry = staffMinistry(args.actor);
  const { input } = args;
  const opensAt = input.opensAt ? new Date(input.opensAt) : null;
  const closesAt = input.closesAt ? new Date(input.closesAt) : null;
  if (closesAt && (closesAt <= new Date() || (opensAt && closesAt <= opensAt))) throw linkWindowInvalid();
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    const [link] = await tx
      .insert(registrationLinks)
      .values({
        token: randomBytes(32).toString('base64url'),
        ministry,
        label: input.label,
        opensAt,
        closesAt,
        maxRegistrations: input.maxRegistrations ?? null,
        createdBy: args.actor.id,
      })
      .returning();
    if (!link) throw new Error('link insert returned nothing');
    await record([
      {
        action: 'registration_link.created',
        entityType: 'registration_link',
        entityId: link.id,
        ministry,
        details: { label: link.label, opensAt: opensAt?.toISOString() ?? null, closesAt: closesAt?.toISOString() ?? null, maxRegistrations: link.maxRegistrations },
      },
    ]);
    return linkView(link, args.publicBaseUrl);
  });
}

const linkCursor = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/), z.uuid()]);
/** created_at to the microsecond, so a cursor never falls between two rows of one millisecond. */
const createdAtText = sql<string>`to_char(${registrationLinks.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The links of the caller's ministry, newest first. */
export async function listLinks(args: { db: Db; actor: Actor; publicBaseUrl: string | undefined; limit: number; cursor?: string | undefined }) {
  const ministry = staffMinistry(args.actor);
  const after = decodeCursor('registration_links', args.cursor, linkCursor);
  const rows = await args.db
    .select({ link: registrationLinks, cursorAt: createdAtText })
    .from(registrationLinks)
    .where(
      and(
        eq(registrationLinks.ministry, ministry),
        after ? sql`(${registrationLinks.createdAt}, ${registrationLinks.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(registrationLinks.createdAt), desc(registrationLinks.id))
    .limit(args.limit + 1);
  const page = rows.slice(0, args.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => linkView(row.link, args.publicBaseUrl)),
    nextCursor: rows.length > args.limit && last ? encodeCursor('registration_links', [last.cursorAt, last.link.id]) : null,
  };
}

/** Revokes at once; revoking a revoked link changes nothing. Another ministry's link answers 404. */
export async function revokeLink(args: { db: Db; audit: Pick<AuditTrail, 'inTransaction'>; actor: Actor; context: AuditContext; publicBaseUrl: string | undefined; id: string }) {
  const ministry = staffMinistry(args.actor);
  const [existing] = await args.db.select().from(registrationLinks).where(and(eq(registrationLinks.id, args.id), eq(registrationLinks.ministry, ministry)));
  if (!existing) throw linkNotFound();
  if (existing.revokedAt) return linkView(existing, args.publicBaseUrl);
  return args.audit.inTransaction(args.db, args.context, async (tx, record) => {
    const [link] = await tx
      .update(registrationLinks)
      .set({ revokedAt: sql`coalesce(${registrationLinks.revokedAt}, now())` })
      .where(eq(registrationLinks.id, args.id))
      .returning();
    if (!link) throw linkNotFound();
    await record([{ action: 'registration_link.revoked', entityType: 'registration_link', entityId: link.id, ministry, details: { revokedAt: link.revokedAt?.toISOString() } }]);
    return linkView(link, args.publicBaseUrl);
  });
}
