import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDatabase, queryRows } from '../../src/db/client.js';
import { decryptSecret, encryptSecret } from '../../src/modules/auth/mfa.js';
import { main } from '../../src/modules/users/admin-create.cli.js';
import { resolveSecrets } from '../../src/secrets.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'identity-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('secrets', () => {
  it('adds a missing MFA key to an older secrets.json once, and keeps it across restarts', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ jwtSecret: 'j'.repeat(40), auditHmacKey: 'h'.repeat(40) }), { mode: 0o600 });
    const config = loadConfig({ DATA_DIR: dir });
    const first = resolveSecrets(config);
    const second = resolveSecrets(config);
    expect(first.jwtSecret).toBe('j'.repeat(40));
    expect(first.mfaKey.length).toBeGreaterThanOrEqual(32);
    expect(second.mfaKey).toBe(first.mfaKey);
    expect(second.auditSigningKey).toBe(first.auditSigningKey);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).toMatchObject({ mfaKey: first.mfaKey });
  });

  it('takes MFA_ENCRYPTION_KEY from the environment', () => {
    const config = loadConfig({ DATA_DIR: tempDir(), MFA_ENCRYPTION_KEY: 'k'.repeat(40) });
    expect(resolveSecrets(config).mfaKey).toBe('k'.repeat(40));
    expect(() => loadConfig({ MFA_ENCRYPTION_KEY: 'short' })).toThrow(/MFA_ENCRYPTION_KEY/);
  });

  it('encrypts TOTP secrets so that another key or another user id cannot read them', () => {
    const stored = encryptSecret('k'.repeat(40), 'user-a', 'JBSWY3DPEHPK3PXP');
    expect(stored).not.toContain('JBSWY3DPEHPK3PXP');
    expect(decryptSecret('k'.repeat(40), 'user-a', stored)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => decryptSecret('q'.repeat(40), 'user-a', stored)).toThrow();
    expect(() => decryptSecret('k'.repeat(40), 'user-b', stored)).toThrow();
  });
});

describe('npm run admin:create', () => {
  // main() in process, with the password piped on stdin as `printf … | npm run admin:create` would.
  const cli = async (dir: string, args: string[], password: string) => {
    let out = '';
    let err = '';
    const code = await main(args, {
      stdin: Readable.from([Buffer.from(`${password}\n`)]),
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
    });
    return { code, out, err };
  };

  it('creates an active admin from a password on stdin, audited; refuses weak passwords and duplicates', async () => {
    const dir = tempDir();
    const weak = await cli(dir, ['--email', 'ops@example.org'], 'password1234');
    expect(weak.code).toBe(1);
    expect(weak.err).toContain('too common');
    const ok = await cli(dir, ['--email', 'Ops@Example.org', '--name', 'Operations'], 'olive-tree-harbour-1987');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('Created admin ops@example.org');
    expect(ok.out + ok.err).not.toContain('olive-tree-harbour-1987');
    const again = await cli(dir, ['--email', 'ops@example.org'], 'olive-tree-harbour-1987');
    expect(again.code).toBe(1);
    const usage = await cli(dir, [], 'x');
    expect(usage.code).toBe(2);

    const database = createDatabase({ kind: 'pglite', dataDir: dir });
    try {
      const rows = await queryRows<{ role: string; active: boolean; ministry: string | null }>(database.db, sql`select role, active, ministry from users`);
      expect(rows).toEqual([{ role: 'admin', active: true, ministry: null }]);
      const audit = await queryRows<{ action: string }>(database.db, sql`select action from audit_log`);
      expect(audit.map((a) => a.action)).toEqual(['user.created']);
    } finally {
      await database.close();
    }
  }, 60_000);
});
