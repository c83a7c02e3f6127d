import { parseArgs } from 'node:util';
import { isEntryModule, processIo, type CliIo } from '../../cli.js';
import { ConfigError, loadConfig } from '../../config.js';
import { createDatabase } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';
import { AppError } from '../../http/errors.js';
import { resolveSecrets } from '../../secrets.js';
import { createAuditWriter } from '../audit/audit.writer.js';
import { seedReference } from '../reference/reference.seed.js';
import { passwordProblem } from './password.js';
import { passwordRejected } from './users.errors.js';
import { createStaffUser } from './users.service.js';

/**
 * npm run admin:create -- --email ops@ministry.example [--name "Operations"]
 * Creates an active admin on the configured database (DATABASE_URL or the embedded one in DATA_DIR).
 * The password is read from standard input (piped) or prompted for without echo on a terminal;
 * it never appears on the command line, where other users could see it.
 */
async function readPassword(io: CliIo): Promise<string> {
  const stdin = io.stdin;
  if (!stdin.isTTY || !stdin.setRawMode) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  const rawMode = (on: boolean) => stdin.setRawMode?.(on);
  const ask = (prompt: string) =>
    new Promise<string>((resolve, reject) => {
      io.stdout.write(prompt);
      rawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      let typed = '';
      const onData = (input: string) => {
        for (const char of input) {
          if (char === '\r' || char === '\n') {
            rawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            io.stdout.write('\n');
            resolve(typed);
            return;
          }
          if (char === '\u0003') {
            rawMode(false);
            reject(new Error('cancelled'));
            return;
          }
          if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
          else typed += char;
        }
      };
      stdin.on('data', onData);
    });
  const first = await ask('Password for the new admin (12+ characters): ');
  const second = await ask('Repeat it: ');
  if (first !== second) throw new Error('the passwords differ');
  return first;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { email: { type: 'string' }, name: { type: 'string' } }, strict: true });
  if (!values.email) {
    io.stderr.write('usage: npm run admin:create -- --email <email> [--name <name>]  (password on stdin or prompted)\n');
    return 2;
  }
  const config = loadConfig(io.env);
  const password = await readPassword(io);
  const problem = passwordProblem(password);
  if (problem) {
    io.stderr.write(`Refused: ${passwordRejected(problem).messageIn('en')}\n`);
    return 1;
  }
  const secrets = resolveSecrets(config);
  const database = createDatabase(config.database);
  try {
    await migrate(database);
    await seedReference(database.db);
    const audit = createAuditWriter({ hmacKey: secrets.auditHmacKey });
    const user = await createStaffUser({
      db: database.db,
      audit,
      context: { actor: null, requestId: null, clientAddress: null },
      input: { email: values.email, name: values.name ?? 'Administrator', role: 'admin', ministry: null, password },
    });
    io.stdout.write(`Created admin ${user.email} (${user.id}).\n`);
    if (config.auth.staffMfa === 'required') {
      io.stdout.write('Second factor: sign in, then POST /auth/mfa/enroll and POST /auth/mfa/confirm with a code before using admin endpoints.\n');
    }
    return 0;
  } finally {
    await database.close();
  }
}

/** Exit code 0 created, 1 refused or failed, 2 usage. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof ConfigError) io.stderr.write(`${error.message}\n`);
    else if (error instanceof AppError) io.stderr.write(`Refused: ${error.messageIn('en')}\n`);
    else io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (isEntryModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2), processIo);
