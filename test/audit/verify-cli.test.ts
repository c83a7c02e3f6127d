import { sql } from 'drizzle-orm';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { checkpointKey } from '../../src/modules/audit/audit.chain.js';
import { checkpointHook } from '../../src/modules/audit/audit.checkpoints.js';
import { createAuditWriter } from '../../src/modules/audit/audit.writer.js';
import { main } from '../../src/modules/audit/verify.cli.js';
import { ephemeralSecrets } from '../../src/secrets.js';
import { sampleEvent, staffContext } from './helpers.js';

/** The CLI's main() runs on its own embedded database in a temporary DATA_DIR, configured as `npm run audit:verify` would be. */
const dir = mkdtempSync(join(tmpdir(), 'audit-verify-cli-'));
const secrets = ephemeralSecrets();
const key = checkpointKey(secrets.auditSigningKey);

async function withDatabase(fn: (db: ReturnType<typeof createDatabase>) => Promise<void>): Promise<void> {
  const database = createDatabase({ kind: 'pglite', dataDir: dir });
  try {
    await fn(database);
  } finally {
    await database.close();
  }
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    AUDIT_SIGNING_KEY: Buffer.from(secrets.auditSigningKey).toString('base64'),
    AUDIT_HMAC_KEY: secrets.auditHmacKey,
  };
  let stdout = '';
  let stderr = '';
  const io = {
    stdin: Readable.from([]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

interface CliReport {
  ok: boolean;
  checked: number;
  firstBadSeq: number | null;
  problem: { kind: string } | null;
  checkpointsChecked: number;
  mode: string;
}

beforeAll(async () => {
  await withDatabase(async (database) => {
    await migrate(database);
    const writer = createAuditWriter({ hmacKey: secrets.auditHmacKey, onAppended: checkpointHook({ key, every: 5, minutes: 600 }) });
    for (let i = 0; i < 12; i++) await writer.append(database.db, staffContext(), [sampleEvent(i)]);
  });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run audit:verify', () => {
  it('exits 0 on an intact chain and prints the report', async () => {
    const run = await cli('--full');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as CliReport;
    expect(report).toMatchObject({ ok: true, checked: 12, firstBadSeq: null, problem: null, mode: 'full', checkpointsChecked: 2 });
  }, 90_000);

  it('checks a checkpoint given on the command line', async () => {
    let hash = '';
    await withDatabase(async (database) => {
      const rows = await database.db.execute(sql`select hash from audit_log where seq = 10`);
      hash = (rows as { rows: { hash: string }[] }).rows[0]!.hash;
    });
    const good = await cli('--checkpoint-seq', '10', '--checkpoint-hash', hash);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true });
    const bad = await cli('--checkpoint-seq', '10', '--checkpoint-hash', 'b'.repeat(64), '--full');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, firstBadSeq: 10, problem: { kind: 'checkpoint_mismatch' } });
  }, 90_000);

  it('exits 2 on bad arguments', async () => {
    const run = await cli('--checkpoint-seq', '10');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/go together/);
  }, 60_000);

  it('run as a program (not imported), it runs main() and exits with its code', async () => {
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/modules/audit/verify.cli.ts', '--checkpoint-seq', '10'], { timeout: 60_000 }, (error, _stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr });
      });
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/go together/);
  }, 60_000);

  it('exits 1 and names the entry when one was removed behind the application\'s back', async () => {
    await withDatabase(async (database) => {
      await database.db.execute(sql`ALTER TABLE audit_log DISABLE TRIGGER USER`);
      await database.db.execute(sql`DELETE FROM audit_log WHERE seq = 3`);
      await database.db.execute(sql`ALTER TABLE audit_log ENABLE TRIGGER USER`);
    });
    const run = await cli('--full');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, firstBadSeq: 3, problem: { kind: 'gap' } });
  }, 90_000);
});
