import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedPerDb } from '../../db/statement.js';
import { signInColumns } from '../users/users.service.js';
import { users } from '../users/users.table.js';
import { applications } from './applications.table.js';

/** The applicant account of a case, by its reference: how an officer signs in. Prepared. */
function build(db: Db) {
  return db
    .select(signInColumns)
    .from(applications)
    .innerJoin(users, and(eq(users.id, applications.applicantUserId), eq(users.role, 'applicant')))
    .where(eq(applications.reference, sql.placeholder('reference')))
    .prepare('sign_in_by_reference');
}
const prepared = preparedPerDb(build);

export function applicantByReference(db: Db, reference: string) {
  return prepared(db).execute({ reference });
}
