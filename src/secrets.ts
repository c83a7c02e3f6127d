import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

export interface Secrets {
  /** HS256 key for access tokens. */
  jwtSecret: string;
  /** HMAC key for the personal-data fields of audit entries (keyed hashes, never clear values). */
  auditHmacKey: string;
  /** Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints. */
  auditSigningKey: string;
  /** Key for TOTP secrets at rest (AES-256-GCM, src/modules/auth/mfa.ts). */
  mfaKey: string;
  /** HMAC key of the request hashes in the Idempotency-Key store (a plain hash of a body with a password would be an offline oracle). */
  idempotencyHmacKey: string;
}

type StoredSecrets = Partial<Secrets>;

function generate(): Secrets {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    jwtSecret: randomBytes(48).toString('base64url'),
    auditHmacKey: randomBytes(48).toString('base64url'),
    auditSigningKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    mfaKey: randomBytes(32).toString('base64url'),
    idempotencyHmacKey: randomBytes(48).toString('base64url'),
  };
}

/**
 * Secrets come from configuration; any left unset is generated once and kept in
 * DATA_DIR/secrets.json (mode 0600), so a zero-configuration start is stable across restarts.
 * A key added in a later version is generated and written back the same way (losing it would make
 * stored data unreadable, e.g. TOTP secrets). Several instances behind a load balancer must be given
 * the same values through the environment.
 */
export function resolveSecrets(config: Config): Secrets {
  const configured = config.secrets;
  if (configured.jwtSecret && configured.auditHmacKey && configured.auditSigningKey && configured.mfaKey && configured.idempotencyHmacKey) {
    return {
      jwtSecret: configured.jwtSecret,
      auditHmacKey: configured.auditHmacKey,
      auditSigningKey: decodeSigningKey(configured.auditSigningKey),
      mfaKey: configured.mfaKey,
      idempotencyHmacKey: configured.idempotencyHmacKey,
    };
  }
  const file = join(config.dataDir, 'secrets.json');
  let stored: StoredSecrets;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as StoredSecrets;
  } catch {
    stored = generate();
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600, flag: 'wx' });
  }
  const fresh = generate();
  const missing = (Object.keys(fresh) as (keyof Secrets)[]).filter((key) => !stored[key] && !configured[key]);
  if (missing.length > 0) {
    for (const key of missing) stored[key] = fresh[key];
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(stored, null, 2), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  }
  return {
    jwtSecret: configured.jwtSecret ?? stored.jwtSecret ?? fresh.jwtSecret,
    auditHmacKey: configured.auditHmacKey ?? stored.auditHmacKey ?? fresh.auditHmacKey,
    auditSigningKey: decodeSigningKey(configured.auditSigningKey ?? stored.auditSigningKey ?? fresh.auditSigningKey),
    mfaKey: configured.mfaKey ?? stored.mfaKey ?? fresh.mfaKey,
    idempotencyHmacKey: configured.idempotencyHmacKey ?? stored.idempotencyHmacKey ?? fresh.idempotencyHmacKey,
  };
}

/** Accepts the PEM itself or its base64 (handier in an environment variable). */
function decodeSigningKey(value: string): string {
  return value.includes('BEGIN') ? value : Buffer.from(value, 'base64').toString('utf8');
}

/** Fresh secrets for tests and benchmarks, never written anywhere. */
export function ephemeralSecrets(): Secrets {
  return generate();
}
