import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

export interface Secrets {
  /** HS256 key for access tokens. */
  jwtSecret: string;
  /** HMAC key for the personal-data fields of audit entries (keyed hashes, never clear values). */
  auditHmacKey: string;
  /** Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints. */
  auditSigningKey: string;
}

interface StoredSecrets {
  jwtSecret?: string;
  auditHmacKey?: string;
  auditSigningKey?: string;
}

function generate(): Required<StoredSecrets> {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    jwtSecret: randomBytes(48).toString('base64url'),
    auditHmacKey: randomBytes(48).toString('base64url'),
    auditSigningKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * Secrets come from configuration; any left unset is generated once and kept in
 * DATA_DIR/secrets.json (mode 0600), so a zero-configuration start is stable across restarts.
 * Several instances behind a load balancer must be given the same values through the environment.
 */
export function resolveSecrets(config: Config): Secrets {
  const configured = config.secrets;
  if (configured.jwtSecret && configured.auditHmacKey && configured.auditSigningKey) {
    return {
      jwtSecret: configured.jwtSecret,
      auditHmacKey: configured.auditHmacKey,
      auditSigningKey: decodeSigningKey(configured.auditSigningKey),
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
  return {
    jwtSecret: configured.jwtSecret ?? stored.jwtSecret ?? fresh.jwtSecret,
    auditHmacKey: configured.auditHmacKey ?? stored.auditHmacKey ?? fresh.auditHmacKey,
    auditSigningKey: decodeSigningKey(configured.auditSigningKey ?? stored.auditSigningKey ?? fresh.auditSigningKey),
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
