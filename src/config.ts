import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * The only reader of process.env. Every variable is documented in README.md ("Configuration").
 * Secrets left unset are generated once and kept in DATA_DIR (see src/secrets.ts).
 */
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DB_POOL_MAX: positiveInt.default(10),
  DB_STATEMENT_TIMEOUT_MS: positiveInt.default(15_000),
  DB_ACQUIRE_TIMEOUT_MS: positiveInt.default(5_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: positiveInt.default(1_048_576),
  IMPORT_BODY_LIMIT_BYTES: positiveInt.default(20 * 1_048_576),
  REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  TRUST_PROXY: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      const problem = trustProxyProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.default(900),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt.default(1_209_600),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  STAFF_MFA: z.enum(['required', 'optional']).default('required'),
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  LOGIN_WINDOW_SECONDS: positiveInt.default(900),
  LOGIN_LOCKOUT_SECONDS: positiveInt.default(900),
  LOGIN_ADDRESS_MAX_FAILURES: positiveInt.default(50),
  LOGIN_ACCOUNT_MAX_FAILURES: positiveInt.default(20),
  ACTIVATION_CODE_TTL_HOURS: positiveInt.default(72),
  LOGIN_BACKOFF_MAX_SECONDS: positiveInt.default(900),
  MFA_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  AUDIT_HMAC_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  IDEMPOTENCY_HMAC_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  AUDIT_SIGNING_KEY: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_EVERY: positiveInt.default(1000),
  AUDIT_CHECKPOINT_MINUTES: positiveInt.default(60),
  AUDIT_FULL_VERIFY_HOURS: z.coerce.number().min(0).max(8_760).default(24),
  REGISTER_WINDOW_SECONDS: positiveInt.default(600),
  REGISTER_ADDRESS_MAX: positiveInt.default(120),
  REGISTER_LINK_MAX: positiveInt.default(5_000),
  REGISTER_HASH_CONCURRENCY: positiveInt.optional(),
  REGISTER_HASH_QUEUE: positiveInt.default(64),
}).superRefine((env, ctx) => {
  // Registration counters live in the sign-in throttle's table, pruned by LOGIN_WINDOW_SECONDS.
  if (env.REGISTER_WINDOW_SECONDS > env.LOGIN_WINDOW_SECONDS) {
    ctx.addIssue({ code: 'custom', path: ['REGISTER_WINDOW_SECONDS'], message: 'must not exceed LOGIN_WINDOW_SECONDS (the throttle table is pruned by it)' });
  }
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  registration: {
    /** Window of the registration throttle. */
    windowSeconds: number;
    /** Registrations per client address (per link and across links) within the window. */
    addressMax: number;
    /** Registrations per link within the window. */
    linkMax: number;
    /**
     * Registration password hashes handed to the hashing threads at once; unset, as many as they
     * hold (two per thread: one running, the next waiting on it).
     */
    hashConcurrency: number | undefined;
    /** Registrations waiting for a hashing slot before the next is answered 503. */
    hashQueue: number;
  };
  host: string;
  port: number;
  publicBaseUrl: string | undefined;
  database:
    | {
        kind: 'pg';
        url: string;
        poolMax: number;
        statementTimeoutMs: number;
        /** How long a request waits for a pooled connection before it is answered 503 (default 5000). */
        acquireTimeoutMs?: number;
      }
    | { kind: 'pglite'; dataDir: string };
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  bodyLimitBytes: number;
  /** The batch import's own body limit (`POST /applications/import`: up to 10,000 rows). */
  importBodyLimitBytes: number;
  requestTimeoutMs: number;
  /**
   * fastify `trustProxy`: false unless configured, so X-Forwarded-For can't be forged to dodge
   * throttling; otherwise a hop count or the proxies' addresses/CIDRs — never `true`, which would
   * believe the left-most address any client writes.
   */
  trustProxy: false | number | string[];
  secrets: {
    jwtSecret: string | undefined;
    auditHmacKey: string | undefined;
    auditSigningKey: string | undefined;
    mfaKey: string | undefined;
    idempotencyHmacKey: string | undefined;
  };
  auth: {
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    staffMfa: 'required' | 'optional';
    loginMaxFailures: number;
    loginWindowSeconds: number;
    loginLockoutSeconds: number;
    /** Failed sign-ins from one client address (any accounts) before it is locked out too. */
    loginAddressMaxFailures: number;
    loginAccountMaxFailures: number;
    activationCodeTtlHours: number;
    loginBackoffMaxSeconds: number;
  };
  bootstrapAdmin: { email: string | undefined; password: string | undefined };
  audit: {
    checkpointEvery: number;
    checkpointMinutes: number;
    /** Period of the scheduled full verification in hours (one instance runs it); 0 = never. */
    fullVerifyHours: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const TRUST_PROXY_HELP = 'give the number of proxies in front of the service (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8,192.0.2.7)';

/** A comma-separated entry of TRUST_PROXY: an address, or an address/prefix, of either family. */
function validProxyEntry(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return false;
  // BlockList is node's own parser of subnets: what it refuses, proxy-addr would misread.
  try {
    new BlockList().addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    return true;
  } catch {
    return false;
  }
}

/** Why a TRUST_PROXY value is refused, or undefined when it is usable. */
function trustProxyProblem(value: string | undefined): string | undefined {
  if (value === undefined || value === 'false') return undefined;
  if (value.trim().toLowerCase() === 'true') {
    return `"true" would believe the left-most X-Forwarded-For address, which any client can write, so throttling and lockout by address could be dodged; ${TRUST_PROXY_HELP}`;
  }
  if (/^\d+$/.test(value)) return Number(value) <= 100 ? undefined : 'a hop count above 100 is not plausible';
  const bad = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => !validProxyEntry(entry));
  return bad.length === 0 ? undefined : `not an address or CIDR: ${bad.map((entry) => JSON.stringify(entry.slice(0, 60))).join(', ')}; ${TRUST_PROXY_HELP}`;
}

function parseTrustProxy(value: string | undefined): Config['trustProxy'] {
  if (value === undefined || value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  return value.split(',').map((entry) => entry.trim());
}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty value counts as unset (`FOO=` in an .env file, `${FOO:-}` in docker-compose).
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    database: e.DATABASE_URL
      ? { kind: 'pg', url: e.DATABASE_URL, poolMax: e.DB_POOL_MAX, statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS, acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS }
      : { kind: 'pglite', dataDir: e.DATA_DIR },
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    importBodyLimitBytes: e.IMPORT_BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    secrets: {
      jwtSecret: e.JWT_SECRET,
      auditHmacKey: e.AUDIT_HMAC_KEY,
      auditSigningKey: e.AUDIT_SIGNING_KEY,
      mfaKey: e.MFA_ENCRYPTION_KEY,
      idempotencyHmacKey: e.IDEMPOTENCY_HMAC_KEY,
    },
    auth: {
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      staffMfa: e.STAFF_MFA,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginWindowSeconds: e.LOGIN_WINDOW_SECONDS,
      loginLockoutSeconds: e.LOGIN_LOCKOUT_SECONDS,
      loginAddressMaxFailures: e.LOGIN_ADDRESS_MAX_FAILURES,
      loginAccountMaxFailures: e.LOGIN_ACCOUNT_MAX_FAILURES,
      activationCodeTtlHours: e.ACTIVATION_CODE_TTL_HOURS,
      loginBackoffMaxSeconds: e.LOGIN_BACKOFF_MAX_SECONDS,
    },
    bootstrapAdmin: { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD },
    audit: { checkpointEvery: e.AUDIT_CHECKPOINT_EVERY, checkpointMinutes: e.AUDIT_CHECKPOINT_MINUTES, fullVerifyHours: e.AUDIT_FULL_VERIFY_HOURS },
    registration: {
      windowSeconds: e.REGISTER_WINDOW_SECONDS,
      addressMax: e.REGISTER_ADDRESS_MAX,
      linkMax: e.REGISTER_LINK_MAX,
      hashConcurrency: e.REGISTER_HASH_CONCURRENCY,
      hashQueue: e.REGISTER_HASH_QUEUE,
    },
  };
}
