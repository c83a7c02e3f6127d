import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { ministries } from '../reference/reference.table.js';
import { userNotFound } from '../users/users.errors.js';
import { users } from '../users/users.table.js';
import { committeeMemberNotFound, committeeNameTaken, committeeNotFound, committeeUnknownMinistry, memberNotEligible } from './committees.errors.js';
import { committeeMembers, committees } from './committees.table.js';

export interface MemberView {
  userId: string;
  name: string;
  chair: boolean;
  addedAt: string;
}

export interface CommitteeView {
  id: string;
  ministry: string;
  name: string;
  createdAt: string;
  members: MemberView[];
}

async function membersOf(db: Db, committeeIds: string[]): Promise<Map<string, MemberView[]>> {
  const byCommittee = new Map<string, MemberView[]>(committeeIds.map((id) => [id, []]));
  if (committeeIds.length === 0) return byCommittee;
  const rows = await db
    .select({ committeeId: committeeMembers.committeeId, userId: committeeMembers.userId, name: users.name, chair: committeeMembers.chair, addedAt: committeeMembers.addedAt })
    .from(committeeMembers)
    .innerJoin(users, eq(users.id, committeeMembers.userId))
    .where(inArray(committeeMembers.committeeId, committeeIds))
    .orderBy(asc(users.name), asc(committeeMembers.userId));
  for (const row of rows) {
    byCommittee.get(row.committeeId)?.push({ userId: row.userId, name: row.name, chair: row.chair, addedAt: row.addedAt.toISOString() });
  }
  return byCommittee;
}

export async function createCommittee(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  context: AuditContext;
  input: { ministry: string; name: string };
}): Promise<CommitteeView> {
  const { db, audit, context, input } = args;
  const [ministry] = await db.select({ code: ministries.code }).from(ministries).where(eq(ministries.code, input.ministry));
  if (!ministry) {
    throw committeeUnknownMinistry();
  }
  try {
    return await audit.inTransaction(db, context, async (tx, record) => {
      const [row] = await tx.insert(committees).values(input).returning();
      await record([
        { action: 'committee.created', entityType: 'committee', entityId: row!.id, changes: { ministry: { after: row!.ministry }, name: { after: row!.name } } },
      ]);
      return { ...row!, createdAt: row!.createdAt.toISOString(), members: [] };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw committeeNameTaken();
    throw error;
  }
}

/** Ordered by ministry, then name (unique together), which is also the cursor. */
export async function listCommittees(args: {
  db: Db;
  query: { limit: number; cursor?: string | undefined; ministry?: string | undefined };
}): Promise<{ items: CommitteeView[]; nextCursor: string | null }> {
  const { db, query } = args;
  const conditions: SQL[] = [];
  const after = decodeCursor('committees', query.cursor, z.tuple([z.string(), z.string()]));
  if (after) conditions.push(sql`(${committees.ministry}, ${committees.name}) > (${after[0]}, ${after[1]})`);
  if (query.ministry) conditions.push(eq(committees.ministry, query.ministry));
  const rows = await db
    .select()
    .from(committees)
    .where(and(...conditions))
    .orderBy(asc(committees.ministry), asc(committees.name))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const members = await membersOf(db, page.map((c) => c.id));
  const last = page.at(-1);
  return {
    items: page.map((c) => ({ ...c, createdAt: c.createdAt.toISOString(), members: members.get(c.id) ?? [] })),
    nextCursor: rows.length > query.limit && last ? encodeCursor('committees', [last.ministry, last.name]) : null,
  };
}

export async function getCommittee(args: { db: Db; id: string }): Promise<CommitteeView> {
  const [row] = await args.db.select().from(committees).where(eq(committees.id, args.id));
  if (!row) throw committeeNotFound();
  const members = await membersOf(args.db, [row.id]);
  return { ...row, createdAt: row.createdAt.toISOString(), members: members.get(row.id) ?? [] };
}

/** Adds a member or changes their chair flag. Members are active committee_member users of the committee's ministry. */
export async function putMember(args: {
  db: Db;
  audit: Pick<AuditTrail, 'inTransaction'>;
  context: AuditContext;
  committeeId: string;
  userId: string;
  chair: boolean;
}): Promise<{ created: boolean; member: MemberView }> {
  const { db, audit, context, committeeId, userId, chair } = args;
  return audit.inTransaction(db, context, async (tx, record) => {
    const [committee] = await tx.select().from(committees).where(eq(committees.id, committeeId)).for('share');
    if (!committee) throw committeeNotFound();
    const [user] = await tx
      .select({ id: users.id, name: users.name, role: users.role, ministry: users.ministry, active: users.active })
      .from(users)
      .where(eq(users.id, userId))
      .for('share');
    if (!user) throw userNotFound();
    if (user.role !== 'committee_member' || user.ministry !== committee.ministry || !user.active) throw memberNotEligible();
    const [before] = await tx
      .select({ chair: committeeMembers.chair })
      .from(committeeMembers)
      .where(and(eq(committeeMembers.committeeId, committeeId), eq(committeeMembers.userId, userId)))
      .for('update');
    const [row] = await tx
      .insert(committeeMembers)
      .values({ committeeId, userId, chair })
      .onConflictDoUpdate({ target: [committeeMembers.committeeId, committeeMembers.userId], set: { chair } })
      .returning();
    if (!before || before.chair !== chair) {
      await record([
        {
          action: before ? 'committee.member_updated' : 'committee.member_added',
          entityType: 'committee',
          entityId: committeeId,
          changes: before ? { chair: { before: before.chair, after: chair } } : { member: { after: userId }, chair: { after: chair } },
          details: { userId },
        },
      ]);
    }
    return { created: !before, member: { userId, name: user.name, chair: row!.chair, addedAt: row!.addedAt.toISOString() } };
  });
}

export async function removeMember(args: { db: Db; audit: AuditTrail; context: AuditContext; committeeId: string; userId: string }): Promise<void> {
  const { db, audit, context, committeeId, userId } = args;
  await audit.inTransaction(db, context, async (tx, record) => {
    const [removed] = await tx
      .delete(committeeMembers)
      .where(and(eq(committeeMembers.committeeId, committeeId), eq(committeeMembers.userId, userId)))
      .returning({ chair: committeeMembers.chair });
    if (!removed) throw committeeMemberNotFound();
    await record([
      {
        action: 'committee.member_removed',
        entityType: 'committee',
        entityId: committeeId,
        changes: { member: { before: userId }, chair: { before: removed.chair } },
        details: { userId },
      },
    ]);
  });
}

/** Removes a user from every committee (their role or ministry changed); returns the seats they held. */
export async function leaveCommittees(tx: Db, userId: string): Promise<{ committeeId: string; chair: boolean }[]> {
  return tx
    .delete(committeeMembers)
    .where(eq(committeeMembers.userId, userId))
    .returning({ committeeId: committeeMembers.committeeId, chair: committeeMembers.chair });
}
