/** The same server URL pointing at another database (tests and benchmarks make databases per run). */
export function withDatabaseName(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
