import { and, arrayContains, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../../access/actor.js';
import { caseVisibility } from '../../access/scope.js';
import type { Db } from '../../db/client.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import type { AuditTrail } from '../audit/audit.js';
import type { AuditContext } from '../audit/audit.writer.js';
import { asciiDigits, cleanText, foldArabic, foldLatin } from './applicant.fields.js';
import { applicants } from './applicant.table.js';
import { CASE_ENTITY, type CaseChannel, type CaseStatus } from './applications.state.js';
import { applications } from './applications.table.js';

export interface CaseFilters {
  status?: CaseStatus | undefined;
  rank?: string | undefined;
  specialization?: string | undefined;
  governorate?: string | undefined;
  channel?: CaseChannel | undefined;
  insideSyria?: boolean | undefined;
  residenceCountry?: string | undefined;
  educationField?: string | undefined;
  /** A name (Arabic or Latin script) or an ID (national ID or service number). */
  q?: string | undefined;
}

/**
 * The `q` filter: an ID when it has digits and no letter of a name (a national ID, or a service
 * number); otherwise a name, compared folded (DESIGN §7) by word similarity, so a part of a name or a
 * variant spelling finds the case — Arabic against the Arabic name, Latin against the Latin name —
 * through the trigram indexes.
 */
export function nameOrIdSearch(q: string): SQL | undefined {
  const text = asciiDigits(cleanText(q));
  if (/\d/.test(text) && /^[A-Za-z0-9\s-]+$/.test(text)) {
    const id = text.replace(/[\s-]/g, '').toUpperCase();
    return or(eq(applicants.nationalId, id), eq(applicants.serviceNumber, id));
  }
  if (/\p{Script=Arabic}/u.test(text)) {
    const folded = foldArabic(text);
    return folded === '' ? sql`false` : sql`${folded} <% ${applicants.nameArFolded}`;
  }
  const folded = foldLatin(text);
  return folded === '' ? sql`false` : sql`${folded} <% ${applicants.nameLatinFolded}`;
}

/** created_at to the microsecond, so a cursor never falls between two rows of one millisecond. */
const createdAtText = sql<string>`to_char(${applications.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const cursorShape = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/), z.uuid()]);

/**
 * Cases the caller may see (the access layer's SQL predicate), newest first with the id as tie-break,
 * filtered. Items carry no national ID, phone or email: the full case does. The read is recorded
 * with its filters.
 */
export async function listCases(args: {
  db: Db;
  audit: Pick<AuditTrail, 'read'>;
  actor: Actor;
  context: AuditContext;
  filters: CaseFilters;
  limit: number;
  cursor?: string | undefined;
}) {
  const { filters } = args;
  const after = decodeCursor('applications', args.cursor, cursorShape);
  const conditions: (SQL | undefined)[] = [
    caseVisibility(args.actor),
    filters.status ? eq(applications.status, filters.status) : undefined,
    filters.channel ? eq(applications.channel, filters.channel) : undefined,
    filters.rank ? eq(applicants.rank, filters.rank) : undefined,
    filters.specialization ? arrayContains(applicants.specializations, [filters.specialization]) : undefined,
    filters.governorate ? arrayContains(applicants.preferredGovernorates, [filters.governorate]) : undefined,
    filters.insideSyria !== undefined ? eq(applicants.insideSyria, filters.insideSyria) : undefined,
    filters.residenceCountry ? eq(applicants.residenceCountry, filters.residenceCountry) : undefined,
    filters.educationField ? eq(applicants.educationFieldFolded, filters.educationField.toLowerCase()) : undefined,
    filters.q ? nameOrIdSearch(filters.q) : undefined,
    after ? sql`(${applications.createdAt}, ${applications.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : undefined,
  ];
  const rows = await args.db
    .select({
      id: applications.id,
      reference: applications.reference,
      ministry: applications.ministry,
      status: applications.status,
      channel: applications.channel,
      version: applications.version,
      createdAt: applications.createdAt,
      cursorAt: createdAtText,
      fullNameAr: applicants.fullNameAr,
      fullNameLatin: applicants.fullNameLatin,
      birthDate: applicants.birthDate,
      sex: applicants.sex,
      branch: applicants.branch,
      rank: applicants.rank,
      specializations: applicants.specializations,
      separationKind: applicants.separationKind,
      residenceCountry: applicants.residenceCountry,
      insideSyria: applicants.insideSyria,
      educationDegree: applicants.educationDegree,
      educationField: applicants.educationField,
      preferredGovernorates: applicants.preferredGovernorates,
    })
    .from(applications)
    .innerJoin(applicants, eq(applicants.applicationId, applications.id))
    .where(and(...conditions))
    .orderBy(desc(applications.createdAt), desc(applications.id))
    .limit(args.limit + 1);
  const page = rows.slice(0, args.limit);
  const last = page.at(-1);
  // The search text is a person's name or ID: recorded apart from the filters, so it is kept hashed.
  const { q, ...rest } = filters;
  const wanted = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  await args.audit.read(args.context, { entityType: CASE_ENTITY, ministry: args.actor.ministry, details: { view: 'list', filters: wanted, ...(q ? { q } : {}) } });
  return {
    items: page.map(({ cursorAt: _cursorAt, createdAt, ...item }) => ({ ...item, createdAt: createdAt.toISOString() })),
    nextCursor: rows.length > args.limit && last ? encodeCursor('applications', [last.cursorAt, last.id]) : null,
  };
}
