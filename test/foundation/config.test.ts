import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the configuration');
}

describe('loadConfig', () => {
  it('runs with no configuration at all: embedded database in ./data on localhost:3000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.database).toEqual({ kind: 'pglite', dataDir: './data' });
    expect(config.trustProxy).toBe(false);
    expect(config.auth.staffMfa).toBe('required');
    expect(config.bodyLimitBytes).toBeGreaterThan(0);
    expect(config.requestTimeoutMs).toBeGreaterThan(0);
  });

  it('uses PostgreSQL when DATABASE_URL is set, and reads numbers from strings', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/app', PORT: '8080', DB_POOL_MAX: '25', DATA_DIR: '/var/lib/x' });
    expect(config.database).toMatchObject({ kind: 'pg', url: 'postgres://u@db:5432/app', poolMax: 25 });
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('/var/lib/x');
  });

  it('treats empty values as unset (FOO= in an .env file)', () => {
    const config = loadConfig({ DATABASE_URL: '', PORT: '', JWT_SECRET: '', ADMIN_PASSWORD: '' });
    expect(config.database.kind).toBe('pglite');
    expect(config.port).toBe(3000);
    expect(config.secrets.jwtSecret).toBeUndefined();
    expect(config.bootstrapAdmin.password).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['DATABASE_URL', 'mysql://root@localhost/app'],
    ['LOG_LEVEL', 'loud'],
    ['JWT_SECRET', 'too-short'],
    ['AUDIT_HMAC_KEY', 'too-short'],
    ['ADMIN_EMAIL', 'not-an-email'],
    ['ADMIN_PASSWORD', 'short'],
    ['STAFF_MFA', 'never'],
    ['BODY_LIMIT_BYTES', '0'],
    ['REQUEST_TIMEOUT_MS', 'soon'],
    ['PUBLIC_BASE_URL', 'not a url'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('names every bad variable at once, and never echoes a secret value', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', JWT_SECRET: 'hunter2-secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/LOG_LEVEL/);
    expect(message).toMatch(/JWT_SECRET/);
    expect(message).not.toContain('hunter2-secret');
  });
});

describe('TRUST_PROXY (issue 10 item 7)', () => {
  it.each(['true', 'TRUE', ' true'])('refuses %j, saying why', (value) => {
    const problems = problemsOf({ TRUST_PROXY: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TRUST_PROXY: /);
    expect(problems[0]).toMatch(/X-Forwarded-For/);
    expect(problems[0]).toMatch(/number of proxies|CIDR/);
  });

  it.each(['banana', '10.0.0.0/33', '10.0.0.0/8,', '::1/129', '10.0.0.1/8/2', '256.1.1.1', '101'])('refuses %j', (value) => {
    expect(problemsOf({ TRUST_PROXY: value })[0]).toMatch(/^TRUST_PROXY: /);
  });

  it('takes a hop count or addresses/CIDRs of either family', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,fd00::/8' }).trustProxy).toEqual(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
  });
});

describe('other new settings', () => {
  it('DB_ACQUIRE_TIMEOUT_MS and AUDIT_FULL_VERIFY_HOURS have defaults and are validated', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db/app' });
    expect(config.database).toMatchObject({ acquireTimeoutMs: 5_000 });
    expect(config.audit.fullVerifyHours).toBe(24);
    expect(loadConfig({ AUDIT_FULL_VERIFY_HOURS: '0' }).audit.fullVerifyHours).toBe(0);
    expect(problemsOf({ DB_ACQUIRE_TIMEOUT_MS: '0' })[0]).toMatch(/^DB_ACQUIRE_TIMEOUT_MS: /);
    expect(problemsOf({ AUDIT_FULL_VERIFY_HOURS: '-1' })[0]).toMatch(/^AUDIT_FULL_VERIFY_HOURS: /);
  });
});

describe('start-up with a bad configuration (real process)', () => {
  it.each([
    ['PORT', 'abc'],
    ['TRUST_PROXY', 'true'],
  ])('%s=%s stops `tsx src/server.ts` with exit code 1 and a message naming the variable', (name, value) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, [name]: value, DATA_DIR: dataDir };
      delete env.DATABASE_URL;
      const run = spawnSync(join('node_modules', '.bin', 'tsx'), ['src/server.ts'], { env, encoding: 'utf8', timeout: 60_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/Invalid configuration/);
      expect(run.stderr).toMatch(new RegExp(`${name}: `));
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).not.toMatch(/API docs/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
