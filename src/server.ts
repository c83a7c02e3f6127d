import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDatabase } from './db/client.js';
import { migrate } from './db/migrate.js';
import { refreshStaleDuplicates } from './modules/applications/applications.duplicates.js';
import { seedReference } from './modules/reference/reference.seed.js';
import { ensureFirstAdmin } from './modules/users/bootstrap.js';
import { resolveSecrets } from './secrets.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const secrets = resolveSecrets(config);
// Pool errors (a database restart) are logged here; they never reach the request path uncaught.
const database = createDatabase(config.database, pino({ level: config.logLevel }).child({ component: 'database' }));
await migrate(database);
await seedReference(database.db);

const app = await buildApp({ config, database, secrets });
app.addHook('onClose', async () => {
  await database.close();
});

const admin = await ensureFirstAdmin(database.db, app.audit, config.bootstrapAdmin);

/**
 * Cases folded and flagged under older duplicate rules, or written to be flagged later (bulk demo
 * data), are flagged in the background in small chunks once the service listens: a read meanwhile
 * still finds shared IDs and equal names (it looks them up), and similar names appear as the chunks
 * commit. Several instances share the work (each chunk's rows are locked, SKIP LOCKED).
 */
let closing = false;
let catchUp: Promise<unknown> = Promise.resolve();
function startDuplicateCatchUp(): void {
  catchUp = refreshStaleDuplicates(database.db, {
    // The embedded database has one connection: short turns, so requests are not held up long.
    chunk: database.kind === 'pg' ? 2_000 : 200,
    stop: () => closing,
    onProgress: (done) => app.log.info({ cases: done }, 'duplicate flags catching up'),
  })
    .then((done) => done > 0 && app.log.info({ cases: done }, 'duplicate flags caught up'))
    .catch((err: unknown) => app.log.error({ err }, 'duplicate catch-up failed; it resumes at the next start'));
}

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  // The catch-up stops after its current chunk (committed or rolled back whole).
  closing = true;
  await catchUp;
  // Stops accepting, finishes in-flight requests, closes idle keep-alive sockets, then the database.
  await app.close();
});

await app.listen({ host: config.host, port: config.port });
startDuplicateCatchUp();
// The bound port, not the configured one: PORT=0 picks a free port.
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
const base = config.publicBaseUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
const lines = [
  '',
  `Officer reintegration API on ${base} (${database.kind === 'pg' ? 'PostgreSQL' : `embedded database in ${config.dataDir}`})`,
  `  API docs:     ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
];
if (admin?.created && admin.generatedPassword) {
  lines.push(
    `  First admin:  ${admin.email}`,
    `  Password:     ${admin.generatedPassword}   (shown once; set ADMIN_EMAIL/ADMIN_PASSWORD to choose it)`,
  );
} else if (admin?.created) {
  lines.push(`  First admin:  ${admin.email} with the password from ADMIN_PASSWORD`);
}
if (admin?.created) {
  lines.push(
    `  Sign in:      curl -X POST ${base}/auth/login -H 'content-type: application/json' -d '{"email":"${admin.email}","password":"…"}'`,
    config.auth.staffMfa === 'required'
      ? '  Second factor: staff must enrol TOTP first: POST /auth/mfa/enroll, then POST /auth/mfa/confirm with a code (see /docs)'
      : '  Second factor: optional (STAFF_MFA=optional)',
  );
}
console.log(lines.join('\n'));
