import { asc, eq } from 'drizzle-orm';
import { createHmac } from 'node:crypto';
import type { CanonicalEntry } from '../../src/modules/audit/audit.chain.js';
import { auditLog } from '../../src/modules/audit/audit.table.js';
import type { TestApp } from '../harness.js';

/** Audit entries of one action, oldest first, as hashed (canonical JSON parsed). */
export async function auditEntries(t: TestApp, action: string): Promise<(CanonicalEntry & { raw: string })[]> {
  const rows = await t.database.db.select({ canonical: auditLog.canonical }).from(auditLog).where(eq(auditLog.action, action)).orderBy(asc(auditLog.seq));
  return rows.map((r) => ({ ...(JSON.parse(r.canonical) as CanonicalEntry), raw: r.canonical }));
}

/** Every audit entry's canonical text, to check that secrets never reach the log. */
export async function allAuditText(t: TestApp): Promise<string> {
  const rows = await t.database.db.select({ canonical: auditLog.canonical }).from(auditLog);
  return rows.map((r) => r.canonical).join('\n');
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A hand-made HS256 JWT, to forge every kind of bad token. */
export function craftJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): string {
  const head = `${b64(header)}.${b64(payload)}`;
  const signature = createHmac('sha256', secret).update(head).digest('base64url');
  return `${head}.${signature}`;
}

export const ISS = 'reintegration-cases';
export const AUD = 'reintegration-cases/api';
export const now = () => Math.floor(Date.now() / 1000);
