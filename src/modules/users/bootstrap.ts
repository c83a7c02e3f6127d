import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { AuditTrail } from '../audit/audit.js';
import { hashPassword } from './password.js';
import { users } from './users.table.js';

export interface BootstrapResult {
  created: boolean;
  email: string;
  /** Only when it was generated: shown once, never stored in clear. */
  generatedPassword?: string;
}

/**
 * Makes sure there is an admin. On first start it creates one from ADMIN_EMAIL / ADMIN_PASSWORD,
 * or with a generated password that is printed once.
 */
export async function ensureFirstAdmin(
  db: Db,
  audit: Pick<AuditTrail, 'inTransaction'>,
  wanted: { email: string | undefined; password: string | undefined },
): Promise<BootstrapResult | null> {
  const [existing] = await db.select({ email: users.email }).from(users).where(eq(users.role, 'admin')).limit(1);
  if (existing) return { created: false, email: existing.email };
  // Never a guessable default such as admin@localhost: the sign-in name is half of what an attacker needs.
  const email = (wanted.email ?? `admin-${randomBytes(5).toString('hex')}@reintegration.invalid`).toLowerCase();
  const generatedPassword = wanted.password ? undefined : randomBytes(18).toString('base64url');
  const passwordHash = await hashPassword(wanted.password ?? generatedPassword!);
  return audit.inTransaction(db, { actor: null, requestId: null, clientAddress: null }, async (tx, record) => {
    const [created] = await tx
      .insert(users)
      .values({ email, name: 'First administrator', role: 'admin', ministry: null, passwordHash })
      .onConflictDoNothing()
      .returning({ id: users.id });
    if (!created) return null;
    await record([
      {
        action: 'user.bootstrap_admin',
        entityType: 'user',
        entityId: created.id,
        changes: { role: { after: 'admin' }, active: { after: true } },
        personal: { email: { after: email } },
      },
    ]);
    return { created: true, email, ...(generatedPassword ? { generatedPassword } : {}) };
  });
}
