import { and, asc, desc, eq, gt, gte, lt, ne, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import type { CanonicalEntry, FieldChange } from './audit.chain.js';
import { auditLog } from './audit.table.js';

export interface AuditFilters {
  entityType?: string;
  entityId?: string;
  /** Entries about this case: its own changes and those of its interviews, flags, decisions, documents. */
  caseId?: string;
  /** Entries about this ministry's records (a ministry-scoped auditor sees only these). */
  ministry?: string;
  actorId?: string;
  action?: string;
  /** Inclusive lower bound on the entry time (ISO-8601). */
  from?: string;
  /** Exclusive upper bound on the entry time (ISO-8601). */
  to?: string;
}

/** An entry as auditors see it: the hashed canonical content, with its hash. */
export type AuditItem = CanonicalEntry & { hash: string };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const seqPosition = z.tuple([z.number().int().min(0)]);

/** Cursor of a page of entries: the last entry's sequence number. A malformed one is a 400, not an empty page. */
export function encodeSeqCursor(list: string, seq: number): string {
  return encodeCursor(list, [seq]);
}

export function decodeSeqCursor(list: string, cursor: string | undefined): number | undefined {
  return decodeCursor(list, cursor, seqPosition)?.[0];
}

function conditions(filters: AuditFilters): SQL[] {
  const where: SQL[] = [];
  if (filters.entityType !== undefined) where.push(eq(auditLog.entityType, filters.entityType));
  if (filters.entityId !== undefined) where.push(eq(auditLog.entityId, filters.entityId));
  if (filters.caseId !== undefined) where.push(eq(auditLog.caseId, filters.caseId));
  if (filters.ministry !== undefined) where.push(eq(auditLog.ministry, filters.ministry));
  if (filters.actorId !== undefined) where.push(eq(auditLog.actorId, filters.actorId));
  if (filters.action !== undefined) where.push(eq(auditLog.action, filters.action));
  if (filters.from !== undefined) where.push(gte(auditLog.at, new Date(filters.from).toISOString()));
  if (filters.to !== undefined) where.push(lt(auditLog.at, new Date(filters.to).toISOString()));
  return where;
}

function toItem(row: { canonical: string; hash: string }): AuditItem {
  return { ...(JSON.parse(row.canonical) as CanonicalEntry), hash: row.hash };
}

/** Entries matching the filters in chain order (or newest first), a page at a time. */
export async function queryAudit(options: {
  db: Db;
  filters: AuditFilters;
  limit: number;
  cursor?: string;
  order?: 'asc' | 'desc';
  /** Further conditions, applied before paging (so a page is never emptied afterwards). */
  where?: SQL[];
}): Promise<Page<AuditItem>> {
  const after = decodeSeqCursor('audit', options.cursor);
  const descending = options.order === 'desc';
  const where = [...conditions(options.filters), ...(options.where ?? [])];
  if (after !== undefined) where.push(descending ? lt(auditLog.seq, after) : gt(auditLog.seq, after));
  const rows = await options.db
    .select({ seq: auditLog.seq, canonical: auditLog.canonical, hash: auditLog.hash })
    .from(auditLog)
    .where(and(...where))
    .orderBy(descending ? desc(auditLog.seq) : asc(auditLog.seq))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  return { items: page.map(toItem), nextCursor: rows.length > options.limit ? encodeSeqCursor('audit', page.at(-1)!.seq) : null };
}

/** Every entry matching the filters, in chain order, read in keyset batches (for the JSON Lines export). */
export async function* exportAudit(options: { db: Db; filters: AuditFilters; batchSize?: number }): AsyncGenerator<AuditItem> {
  const batchSize = options.batchSize ?? 1_000;
  let after = 0;
  for (;;) {
    const rows = await options.db
      .select({ seq: auditLog.seq, canonical: auditLog.canonical, hash: auditLog.hash })
      .from(auditLog)
      .where(and(...conditions(options.filters), gt(auditLog.seq, after)))
      .orderBy(asc(auditLog.seq))
      .limit(batchSize);
    for (const row of rows) yield toItem(row);
    if (rows.length < batchSize) return;
    after = rows.at(-1)!.seq;
  }
}

/** One event of a person's own case, as that person sees it. */
export interface OwnerHistoryItem {
  seq: number;
  at: string;
  action: string;
  /** Who acted, without naming staff: the person themself, a staff member, or the system. */
  by: 'you' | 'staff' | 'system';
  /** Only the workflow fields a person may see about their own case (e.g. status). */
  changes: Record<string, FieldChange>;
}

/** Fields of a case change an owner may see in their own history; everything else stays internal. */
export const OWNER_VISIBLE_FIELDS = ['status'] as const;

export type HistoryView = { kind: 'full' } | { kind: 'owner'; ownerId: string; visibleFields?: readonly string[] };

/**
 * The audit trail of one case (its own changes and those of its interviews, flags, decisions and
 * proposals), oldest first. Staff and auditors get the entries as they are; the owner gets a
 * redacted view: successful changes only (no reads, no refused attempts), no staff identities, no
 * details, only the workflow fields listed in `visibleFields`.
 * The caller (the route) must first check that the case is visible to the caller.
 */
export async function caseHistory(options: {
  db: Db;
  caseId: string;
  view: HistoryView;
  limit: number;
  cursor?: string;
}): Promise<Page<AuditItem> | Page<OwnerHistoryItem>> {
  const view = options.view;
  // The owner's filter is part of the query, so their pages are full and the last one has no nextCursor.
  const ownerOnly = view.kind === 'owner' ? [eq(auditLog.outcome, 'success'), ne(auditLog.action, 'read')] : [];
  const page = await queryAudit({
    db: options.db,
    filters: { caseId: options.caseId },
    limit: options.limit,
    cursor: options.cursor,
    where: ownerOnly,
  });
  if (view.kind === 'full') return page;
  const visible = view.visibleFields ?? OWNER_VISIBLE_FIELDS;
  const items = page.items.map((item): OwnerHistoryItem => {
    const changes: Record<string, FieldChange> = {};
    for (const field of visible) {
      const change = item.changes[field];
      if (change) changes[field] = change;
    }
    return {
      seq: item.seq,
      at: item.at,
      action: item.action,
      by: item.actor === null ? 'system' : item.actor.id === view.ownerId ? 'you' : 'staff',
      changes,
    };
  });
  return { items, nextCursor: page.nextCursor };
}
