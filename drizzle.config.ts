import { defineConfig } from 'drizzle-kit';

// drizzle-kit only generates SQL from the schema; the app applies it at start-up (src/db/migrate.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
  casing: 'snake_case',
});
