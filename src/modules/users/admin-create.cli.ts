import { parseArgs } from 'node:util';
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
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  const ask = (prompt: string) =>
    new Promise<string>((resolve, reject) => {
      process.stdout.write(prompt);
      stdin.setRawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      let typed = '';
      const onData = (input: string) => {
        for (const char of input) {
          if (char === '\r' || char === '\n') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stdout.write('\n');
            resolve(typed);
            return;
          }
          if (char === '\u0003') {
            stdin.setRawMode(false);
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

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } }, strict: true });
  if (!values.email) {
    console.error('usage: npm run admin:create -- --email <email> [--name <name>]  (password on stdin or prompted)');
    return 2;
  }
  const config = loadConfig();
  const password = await readPassword();
  const problem = passwordProblem(password);
  if (problem) {
    console.error(`Refused: ${passwordRejected(problem).messageIn('en')}`);
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
    console.log(`Created admin ${user.email} (${user.id}).`);
    if (config.auth.staffMfa === 'required') {
      console.log('Second factor: sign in, then POST /auth/mfa/enroll and POST /auth/mfa/confirm with a code before using admin endpoints.');
    }
    return 0;
  } finally {
    await database.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  if (error instanceof ConfigError) console.error(error.message);
  else if (error instanceof AppError) console.error(`Refused: ${error.messageIn('en')}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
