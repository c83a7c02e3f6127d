import { parseArgs } from 'node:util';
import { isEntryModule, processIo, type CliIo } from '../../cli.js';
import { ConfigError, loadConfig } from '../../config.js';
import { createDatabase } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';
import { resolveSecrets } from '../../secrets.js';
import { checkpointKey } from '../audit/audit.chain.js';
import { checkpointHook } from '../audit/audit.checkpoints.js';
import { createAuditWriter } from '../audit/audit.writer.js';
import { seedReference } from '../reference/reference.seed.js';
import { DemoInterrupted, DemoRefused, seedDemo, type SeedDemoResult } from './demo.seed.js';

/**
 * npm run seed:demo -- --cases 100000 [--seed N]
 * Fills a new, empty database (DATABASE_URL, or the embedded one in DATA_DIR, as the server would
 * use) with demo data: migrates and loads reference data first, like the server, then seeds and prints
 * the named demo accounts and cases per second. Run it with the environment the server will run with:
 * the accounts' TOTP secrets are encrypted with its MFA key (MFA_ENCRYPTION_KEY or DATA_DIR/secrets.json).
 * A database that already has cases or staff accounts is refused (exit 1): demo data never mixes with
 * real data, and a second run would not be the same data. To start again, use a new database.
 */
const USAGE = 'usage: npm run seed:demo -- --cases <N> [--seed <N>]\n';

function positiveInteger(value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  return /^\d+$/.test(value) && Number(value) > 0 && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

function summary(result: SeedDemoResult): string {
  const accounts = result.accounts.map((a) => `  ${a.email.padEnd(32)} ${`${a.role}${a.ministry ? ` (${a.ministry})` : ''}`.padEnd(34)} TOTP secret ${a.totpSecret}`);
  return [
    `Seeded ${result.cases.toLocaleString('en')} cases in ${result.seconds.toFixed(1)} s: ${Math.round(result.casesPerSecond).toLocaleString('en')} cases/s`,
    `  interior ${result.byMinistry.interior}, defense ${result.byMinistry.defense}; link ${result.byChannel.link}, walk-in ${result.byChannel.walk_in}, ` +
      `batch import ${result.byChannel.batch_import} (${result.importBatches} ${result.importBatches === 1 ? 'batch' : 'batches'}); ` +
      `${result.duplicatesPlanted} second registrations of an officer`,
    '',
    `Demo accounts (password for all: ${result.password}; second factor already enrolled, current code: npm run -s demo:totp -- <email>):`,
    ...accounts,
    result.applicant
      ? `  applicant of case ${result.applicant.id}: sign in with {"reference":"${result.applicant.reference}","password":"${result.password}"}`
      : '',
    '',
    'Start the service on this database (npm start, same environment) and follow "Demo data" in README.md.',
    '',
  ].join('\n');
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { cases: { type: 'string' }, seed: { type: 'string' } }, strict: true });
  const cases = positiveInteger(values.cases, undefined);
  const seed = positiveInteger(values.seed, 1);
  if (cases === undefined || seed === undefined) {
    io.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig(io.env);
  const secrets = resolveSecrets(config);
  const database = createDatabase(config.database);
  // Ctrl-C or a stop lets the units being written finish and the dropped indexes be built again.
  const interrupt = new AbortController();
  const stop = () => interrupt.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    await migrate(database);
    await seedReference(database.db);
    const audit = createAuditWriter({
      hmacKey: secrets.auditHmacKey,
      onAppended: checkpointHook({ key: checkpointKey(secrets.auditSigningKey), every: config.audit.checkpointEvery, minutes: config.audit.checkpointMinutes }),
    });
    let reported = 0;
    const result = await seedDemo(database.db, {
      signal: interrupt.signal,
      cases,
      seed,
      mfaKey: secrets.mfaKey,
      audit,
      // Two ministries written at once need two connections; the embedded database has one.
      parallel: database.kind === 'pg',
      onProgress: (done, total) => {
        if (done - reported >= total / 10 || done === total) {
          reported = done;
          io.stdout.write(`  ${done.toLocaleString('en')} of ${total.toLocaleString('en')} cases\n`);
        }
      },
    });
    io.stdout.write(summary(result));
    return 0;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await database.close();
  }
}

/** Exit code 0 seeded, 1 refused or failed, 2 usage. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof ConfigError) io.stderr.write(`${error.message}\n`);
    else if (error instanceof DemoRefused) io.stderr.write(`Refused: ${error.message}\n`);
    else if (error instanceof DemoInterrupted) io.stderr.write(`Interrupted: ${error.message}; this database holds part of the demo data: drop it and seed a new one\n`);
    else if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      io.stderr.write(`${error.message}\n${USAGE}`);
      return 2;
    } else io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

if (isEntryModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2), processIo);
