import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../../db/client.js';

/** The names of `numbers` (attribute numbers of `relation`, an array), in their order. */
const columnsOf = (relation: SQL, numbers: SQL) =>
  sql`array(select a.attname::text from unnest(${numbers}) with ordinality as u(n, i) join pg_attribute a on a.attrelid = ${relation} and a.attnum = u.n order by u.i)`;

/** A list of quoted names, comma-separated. */
const names = (list: readonly string[]) => sql.join(list.map((name) => sql.identifier(name)), sql`, `);

/** An index as the catalogue holds it, in parts: enough to build it again with quoted names only. */
export interface IndexDefinition {
  name: string;
  table: string;
  /** The access method: btree, gin, gist… */
  method: string;
  /** The key columns, in order, each with its operator class (schema and name). */
  columns: string[];
  opclassSchemas: string[];
  opclasses: string[];
  /**
   * Columns only, each in its column's collation and default order: no expression, predicate,
   * INCLUDE, storage option or tablespace of its own (what these parts could not say again).
   */
  plain: boolean;
}

/**
 * The secondary indexes of `tables` (in the current schema): neither primary keys nor unique indexes,
 * nor any index a constraint owns. Those stay through a bulk load, because they guard the data; the
 * others only speed up reads.
 */
export async function secondaryIndexes(db: Db, tables: readonly string[]): Promise<IndexDefinition[]> {
  // Each key in its column's collation. The vectors' arrays count from 0, so they are rebuilt to compare.
  const columnCollations = sql`array(select a.attcollation from unnest(i.indkey::int2[]) with ordinality as u(n, k) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = u.n order by u.k)`;
  const indexCollations = sql`array(select u.c from unnest(i.indcollation::oid[]) with ordinality as u(c, k) order by u.k)`;
  const opclassPart = (part: SQL) =>
    sql`array(select ${part} from unnest(i.indclass::oid[]) with ordinality as u(o, k) join pg_opclass oc on oc.oid = u.o join pg_namespace ocn on ocn.oid = oc.opcnamespace order by u.k)`;
  return queryRows<IndexDefinition>(
    db,
    sql`select c.relname as name, t.relname as "table", am.amname::text as method, ${columnsOf(sql`i.indrelid`, sql`i.indkey::int2[]`)} as columns,
          ${opclassPart(sql`ocn.nspname::text`)} as "opclassSchemas", ${opclassPart(sql`oc.opcname::text`)} as opclasses,
          (i.indexprs is null and i.indpred is null and i.indnatts = i.indnkeyatts and c.reloptions is null and c.reltablespace = 0
            and 0 <> all(i.indkey::int2[]) and 0 = all(i.indoption::int2[]) and ${indexCollations} = ${columnCollations}) as plain
        from pg_index i
        join pg_class c on c.oid = i.indexrelid
        join pg_am am on am.oid = c.relam
        join pg_class t on t.oid = i.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = current_schema() and t.relname = any(${sql.param(tables)}::text[])
          and not i.indisprimary and not i.indisunique
          and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
        order by c.relname`,
  );
}

/** A foreign key as the catalogue holds it, in parts: enough to add it again with quoted names only. */
export interface ForeignKeyDefinition {
  name: string;
  table: string;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
  /** `pg_constraint.confdeltype` and `confupdtype`: a (no action), r, c, n, d. */
  onDelete: string;
  onUpdate: string;
  /** `confmatchtype`: s (simple), f (full), p (partial). */
  match: string;
  deferrable: boolean;
  deferred: boolean;
  /** `confdelsetcols` is set (ON DELETE SET NULL (columns), PostgreSQL 15): not rebuilt here. */
  setColumns: boolean;
}

/** The foreign keys of `tables` (in the current schema): the keys their rows hold, not those that point at them. */
export async function foreignKeys(db: Db, tables: readonly string[]): Promise<ForeignKeyDefinition[]> {
  return queryRows<ForeignKeyDefinition>(
    db,
    sql`select k.conname as name, t.relname as "table", ${columnsOf(sql`k.conrelid`, sql`k.conkey`)} as columns,
          rn.nspname as "referencedSchema", r.relname as "referencedTable", ${columnsOf(sql`k.confrelid`, sql`k.confkey`)} as "referencedColumns",
          k.confdeltype::text as "onDelete", k.confupdtype::text as "onUpdate", k.confmatchtype::text as match,
          k.condeferrable as deferrable, k.condeferred as deferred, k.confdelsetcols is not null as "setColumns"
        from pg_constraint k
        join pg_class t on t.oid = k.conrelid
        join pg_namespace n on n.oid = t.relnamespace
        join pg_class r on r.oid = k.confrelid
        join pg_namespace rn on rn.oid = r.relnamespace
        where n.nspname = current_schema() and t.relname = any(${sql.param(tables)}::text[]) and k.contype = 'f'
        order by t.relname, k.conname`,
  );
}

/**
 * One statement of the work after a load (`run` sends it), with the tables it locks: `shared` as
 * CREATE INDEX locks them (two builds on one table run side by side), `exclusive` as ANALYZE and ADD
 * FOREIGN KEY do (the latter on both its tables): either waits for any other work on the table.
 */
export interface RebuildJob {
  run: () => Promise<unknown>;
  tables: readonly string[];
  mode: 'shared' | 'exclusive';
}

/**
 * Runs `jobs` on `workers` connections at once, each worker taking the first job in the list that
 * would not wait for a lock the other workers' jobs hold (a worker blocked on a lock is a connection
 * and a core standing idle); every job is run even when another fails, and what fails is added to
 * `failures`.
 */
/** A statement as a job of `runJobs`. */
function statementJob(db: Db, statement: SQL, tables: readonly string[], mode: RebuildJob['mode']): RebuildJob {
  return { run: () => db.execute(statement), tables, mode };
}

/** Fresh planner statistics for each of `tables`, as jobs of `runJobs`. */
export function analyzeJobs(db: Db, tables: readonly string[]): RebuildJob[] {
  return tables.map((table) => statementJob(db, sql`analyze ${sql.identifier(table)}`, [table], 'exclusive'));
}

export async function runJobs(jobs: readonly RebuildJob[], workers: number, failures: unknown[]): Promise<void> {
  const waiting = [...jobs];
  const shared = new Map<string, number>();
  const exclusive = new Set<string>();
  const free = (job: RebuildJob) => job.tables.every((t) => !exclusive.has(t) && (job.mode === 'shared' || !shared.has(t)));
  let wakeUp: (() => void)[] = [];
  const worker = async () => {
    while (waiting.length > 0) {
      const at = waiting.findIndex(free);
      if (at < 0) {
        // Every job left waits for a table another worker is on: go on when that one is done.
        await new Promise<void>((resolve) => wakeUp.push(resolve));
        continue;
      }
      const [job] = waiting.splice(at, 1) as [RebuildJob];
      for (const t of job.tables) {
        if (job.mode === 'shared') shared.set(t, (shared.get(t) ?? 0) + 1);
        else exclusive.add(t);
      }
      try {
        await job.run();
      } catch (error) {
        failures.push(error);
      } finally {
        for (const t of job.tables) {
          if (job.mode === 'exclusive') exclusive.delete(t);
          else if (shared.get(t) === 1) shared.delete(t);
          else shared.set(t, shared.get(t)! - 1);
        }
        const woken = wakeUp;
        wakeUp = [];
        for (const resolve of woken) resolve();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, worker));
}

/**
 * Runs `load` with the secondary indexes and the foreign keys of `tables` dropped, then builds the
 * indexes and adds the keys again, whether `load` succeeded or not (PostgreSQL's advice for filling
 * tables, "Populating a Database": one build over the whole table costs a fraction of maintaining an
 * index row by row, a trigram index most of all; one check of a key over the whole table, a join, a
 * fraction of a check per row, and 100,000 cases make about 450,000 of those). Adding a key checks
 * every row loaded: a row it refuses fails the load at its end, as it would have failed the load.
 * Primary keys, unique indexes and check constraints stay throughout. With `analyze`, a load that
 * succeeded also gets its tables analyzed (fresh statistics for the planner after they grew from
 * nothing), in the same work. That work runs `builders` statements at a time (one per connection the
 * caller can spare): index builds first, then the analyses and the keys, never two that would wait
 * for each other's locks (builds on one table run together; an analysis or a key waits for its tables).
 *
 * Only for tables no one else uses meanwhile: reads would run without the indexes, writes without the
 * keys. A process killed during `load` leaves them dropped; that database then holds part of a load
 * and is to be dropped.
 */
export async function withIndexesAndKeysDeferred<T>(
  db: Db,
  tables: readonly string[],
  builders: number,
  load: () => Promise<T>,
  options: { analyze?: boolean } = {},
): Promise<T> {
  const indexes = await secondaryIndexes(db, tables);
  const keys = await foreignKeys(db, tables);
  // Checked before anything is dropped: what could not be put back is not taken away.
  const jobs: RebuildJob[] = [
    ...indexes.map((index) => statementJob(db, buildIndexStatement(index), [index.table], 'shared')),
    ...keys.map((key) => statementJob(db, addKeyStatement(key), [key.table, key.referencedTable], 'exclusive')),
  ];
  await db.transaction(async (tx) => {
    for (const index of indexes) await tx.execute(sql`drop index ${sql.identifier(index.name)}`);
    for (const key of keys) await tx.execute(sql`alter table ${sql.identifier(key.table)} drop constraint ${sql.identifier(key.name)}`);
  });
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await load() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok && options.analyze) {
    // After the index builds, before the keys: the keys are quick, the analyses of the largest tables are not.
    jobs.splice(indexes.length, 0, ...analyzeJobs(db, tables));
  }
  const failures: unknown[] = [];
  // Each one built or added even when another failed: as many as possible come back.
  await runJobs(jobs, builders, failures);
  // The load's own failure says more than the rebuild's that follows it.
  if (!outcome.ok) throw outcome.error;
  if (failures.length > 0) throw failures[0];
  return outcome.value;
}

const ACTIONS: Readonly<Record<string, SQL>> = { a: sql`no action`, r: sql`restrict`, c: sql`cascade`, n: sql`set null`, d: sql`set default` };
const MATCHES: Readonly<Record<string, SQL>> = { s: sql`match simple`, f: sql`match full` };

/**
 * The statement that adds `key` again, from its parts: every name a quoted identifier, every keyword
 * one of a fixed few. A key with a part it cannot say (MATCH PARTIAL, SET NULL of some columns) is
 * refused, before anything is dropped.
 */
export function addKeyStatement(key: ForeignKeyDefinition): SQL {
  const onDelete = ACTIONS[key.onDelete];
  const onUpdate = ACTIONS[key.onUpdate];
  const match = MATCHES[key.match];
  if (!onDelete || !onUpdate || !match || key.setColumns || key.columns.length === 0 || key.columns.length !== key.referencedColumns.length) {
    throw new Error(`foreign key ${key.name} cannot be added again from its parts`);
  }
  const timing = key.deferrable ? (key.deferred ? sql`deferrable initially deferred` : sql`deferrable initially immediate`) : sql`not deferrable`;
  return sql`alter table ${sql.identifier(key.table)} add constraint ${sql.identifier(key.name)}
    foreign key (${names(key.columns)}) references ${sql.identifier(key.referencedSchema)}.${sql.identifier(key.referencedTable)} (${names(key.referencedColumns)})
    ${match} on update ${onUpdate} on delete ${onDelete} ${timing}`;
}

const METHODS: Readonly<Record<string, SQL>> = { btree: sql`btree`, hash: sql`hash`, gin: sql`gin`, gist: sql`gist`, brin: sql`brin`, spgist: sql`spgist` };

/**
 * The statement that builds `index` again, from its parts: every name (index, table, column, operator
 * class) a quoted identifier, the access method one of a fixed few. An index with a part it cannot
 * say (an expression, a predicate…) is refused, before anything is dropped.
 */
export function buildIndexStatement(index: IndexDefinition): SQL {
  const method = METHODS[index.method];
  const { columns, opclasses, opclassSchemas } = index;
  if (!method || !index.plain || columns.length === 0 || columns.length !== opclasses.length || columns.length !== opclassSchemas.length) {
    throw new Error(`index ${index.name} cannot be built again from its parts`);
  }
  const keys = columns.map((column, k) => sql`${sql.identifier(column)} ${sql.identifier(opclassSchemas[k]!)}.${sql.identifier(opclasses[k]!)}`);
  return sql`create index ${sql.identifier(index.name)} on ${sql.identifier(index.table)} using ${method} (${sql.join(keys, sql`, `)})`;
}

