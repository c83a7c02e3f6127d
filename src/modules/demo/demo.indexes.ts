import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../../db/client.js';

/** An index as the catalogue defines it: its name and the statement that builds it again. */
export interface IndexDefinition {
  name: string;
  definition: string;
  /** How that statement must begin: `CREATE INDEX <name> ON <schema>.<table> USING `, quoted as PostgreSQL quotes them. */
  head: string;
}

/**
 * The secondary indexes of `tables` (in the current schema): neither primary keys nor unique indexes,
 * nor any index a constraint owns. Those stay through a bulk load, because they guard the data; the
 * others only speed up reads.
 */
export async function secondaryIndexes(db: Db, tables: readonly string[]): Promise<IndexDefinition[]> {
  return queryRows<IndexDefinition>(
    db,
    sql`select c.relname as name, pg_get_indexdef(i.indexrelid) as definition,
          format('CREATE INDEX %I ON %I.%I USING ', c.relname, n.nspname, t.relname) as head
        from pg_index i
        join pg_class c on c.oid = i.indexrelid
        join pg_class t on t.oid = i.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = current_schema() and t.relname = any(${sql.param(tables)}::text[])
          and not i.indisprimary and not i.indisunique
          and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
        order by c.relname`,
  );
}

/**
 * Runs `load` with the secondary indexes of `tables` dropped, then builds them again, whether `load`
 * succeeded or not (PostgreSQL's advice for filling tables, "Populating a Database": one build over
 * the whole table costs a fraction of maintaining the index row by row, a trigram index most of all).
 * The indexes are built `builders` at a time (one per connection the caller can spare).
 *
 * Only for tables no one else uses meanwhile: reads would run without the indexes. A process killed
 * during `load` leaves them dropped; that database then holds part of a load and is to be dropped.
 */
export async function withIndexesDeferred<T>(db: Db, tables: readonly string[], builders: number, load: () => Promise<T>): Promise<T> {
  const indexes = await secondaryIndexes(db, tables);
  await db.transaction(async (tx) => {
    for (const index of indexes) await tx.execute(sql`drop index ${sql.identifier(index.name)}`);
  });
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await load() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  try {
    await buildIndexes(db, indexes, builders);
  } catch (error) {
    // The load's own failure says more than the rebuild's that follows it.
    if (outcome.ok) throw error;
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/**
 * The statement that builds `index` again. DDL takes no bound parameters, so it runs as the text
 * `pg_get_indexdef` wrote for this very index a moment before: one statement that creates exactly this
 * index on its own table, and nothing else (a `;` could begin a second statement, so none is allowed).
 */
export function buildStatement(index: IndexDefinition): SQL {
  if (!index.definition.startsWith(index.head) || index.definition.includes(';')) {
    throw new Error(`not the catalogue's definition of index ${index.name}: ${index.definition}`);
  }
  return sql.raw(index.definition);
}

/** Builds `indexes` from their catalogue definitions, `builders` at a time. */
async function buildIndexes(db: Db, indexes: readonly IndexDefinition[], builders: number): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(builders, indexes.length)) }, async () => {
      while (next < indexes.length) {
        const index = indexes[next++]!;
        // Each one built even when another failed: as many as possible come back.
        try {
          await db.execute(buildStatement(index));
        } catch (error) {
          failures.push(error);
        }
      }
    }),
  );
  if (failures.length > 0) throw failures[0];
}
