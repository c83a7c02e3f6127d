/**
 * npm run openapi [-- --out FILE]   the OpenAPI document, built in process (no server, no database)
 * npm run lint:openapi              the same document linted by Redocly's recommended rules
 * Exit code: 0 written or no lint errors, 1 lint errors, 2 error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { isEntryModule, processIo, type CliIo } from './cli.js';
import { ConfigError, loadConfig } from './config.js';
import { createDatabase } from './db/client.js';
import { ephemeralSecrets } from './secrets.js';

/** The document `/openapi.json` serves with this configuration (servers from PUBLIC_BASE_URL). */
export async function openApiDocument(env?: NodeJS.ProcessEnv): Promise<unknown> {
  const config = loadConfig(env);
  // Building the document never touches the database: an empty in-memory one will do.
  const database = createDatabase({ kind: 'pglite-memory' });
  const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  try {
    const app = await buildApp({ config, database, secrets: ephemeralSecrets(), logStream: discard });
    try {
      await app.ready();
      return app.swagger();
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

function redoclyLint(file: string, io: CliIo): number {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
  const run = spawnSync(process.execPath, [cli, 'lint', '--extends=recommended', file], { encoding: 'utf8', env: io.env });
  io.stdout.write(run.stdout);
  io.stderr.write(run.stderr);
  if (run.error) throw run.error;
  return run.status === 0 ? 0 : 1;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, lint: { type: 'boolean', default: false } }, strict: true });
  const text = `${JSON.stringify(await openApiDocument(io.env), null, 2)}\n`;
  if (!values.lint) {
    if (values.out) writeFileSync(values.out, text);
    else io.stdout.write(text);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, text);
    return redoclyLint(file, io);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    io.stderr.write(`${error instanceof ConfigError ? error.message : `openapi failed: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return 2;
  }
}

if (isEntryModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2), processIo);
