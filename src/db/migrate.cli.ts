import { isEntryModule, processIo, type CliIo } from '../cli.js';
import { loadConfig } from '../config.js';
import { createDatabase } from './client.js';
import { migrate } from './migrate.js';
import { refreshStaleDuplicates } from '../modules/applications/applications.duplicates.js';
import { seedReference } from '../modules/reference/reference.seed.js';

/** npm run db:migrate — applies migrations and reference data to the configured database. */
export async function main(_argv: string[], io: CliIo): Promise<number> {
  const config = loadConfig(io.env);
  const database = createDatabase(config.database);
  try {
    await migrate(database);
    await seedReference(database.db);
    await refreshStaleDuplicates(database.db);
    io.stdout.write(`Migrated and seeded the ${database.kind === 'pg' ? 'PostgreSQL' : 'embedded'} database.\n`);
    return 0;
  } finally {
    await database.close();
  }
}

if (isEntryModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2), processIo);
