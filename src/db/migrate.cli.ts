import { loadConfig } from '../config.js';
import { createDatabase } from './client.js';
import { migrate } from './migrate.js';
import { seedReference } from '../modules/reference/reference.seed.js';

// npm run db:migrate — applies migrations and reference data to the configured database.
const config = loadConfig();
const database = createDatabase(config.database);
try {
  await migrate(database);
  await seedReference(database.db);
  console.log(`Migrated and seeded the ${database.kind === 'pg' ? 'PostgreSQL' : 'embedded'} database.`);
} finally {
  await database.close();
}
