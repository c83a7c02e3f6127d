import { createHashThreads } from './password.threads.js';

/** `Algorithm.Argon2id` (a const enum the package only declares). */
const ARGON2ID = 2;

/**
 * argon2id with OWASP's recommended minimum (19 MiB, 2 iterations, 1 lane), hashed on threads of its
 * own at a lower priority (password.threads.ts): sign-ins and registrations never block the event
 * loop, and a wave of them never slows the database round trips of the requests around them.
 */
export const ARGON2_PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** One pool for the process: the number of hashes at once is bounded as a whole (one per CPU, at most four). */
const threads = createHashThreads();

/** Hashes the threads hold at once (two per thread): what registrations may hand them by default. */
export const HASH_CAPACITY = threads.capacity;

export function hashPassword(password: string): Promise<string> {
  return threads.hash(password, ARGON2_PARAMS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await threads.verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against unknown emails so their timing matches real ones. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(`no-such-user-${Math.random()}`);
  return dummyHash;
}

/** The most common passwords of 12+ characters (from public breach lists), compared case-insensitively. */
const COMMON_PASSWORDS = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123123123123',
  '111111111111',
  '000000000000',
  'qwertyuiop12',
  'qwertyuiopas',
  'qwerty123456',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  'zaq12wsxcde3',
  'password1234',
  'password123!',
  'passwordpassword',
  'iloveyou1234',
  'administrator',
  'admin1234567',
  'adminadmin12',
  'welcome12345',
  'letmein12345',
  'changeme1234',
  'abcdefghijkl',
  'abc123456789',
  'football1234',
  'baseball1234',
  'superman1234',
  'trustno11234',
  'princess1234',
  'sunshine1234',
  'monkey123456',
  'dragon123456',
  'master123456',
  'p@ssw0rd1234',
  'p@ssword1234',
  'syria1234567',
  'damascus1234',
]);

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common';

/** Length 12..256 and not on the common-password list. */
export function passwordProblem(password: string): PasswordProblem | null {
  if ([...password].length < 12) return 'too_short';
  if (password.length > 256) return 'too_long';
  const folded = password.toLowerCase();
  if (COMMON_PASSWORDS.has(folded) || /^(.)\1+$/.test(folded) || /^(0123456789|1234567890)+\d*$/.test(folded)) return 'too_common';
  return null;
}
