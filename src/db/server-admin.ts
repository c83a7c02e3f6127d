import pg from 'pg';

/**
 * Creating and dropping whole databases on a PostgreSQL server: tests and benchmarks make one per
 * file or run. The application itself never does this.
 */

/** The same server URL pointing at another database. */
export function withDatabaseName(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs statements (CREATE/DROP DATABASE cannot run in a pool's transaction) on a connection of its own. */
export async function runOnServer(serverUrl: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
