import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHashThreads, HASH_THREAD_NICE } from '../../src/modules/users/password.threads.js';
import { ARGON2_PARAMS, dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from '../../src/modules/users/password.js';

describe('password rules', () => {
  it.each([
    ['', 'too_short'],
    ['eleven char', 'too_short'],
    ['password1234', 'too_common'],
    ['PASSWORD1234', 'too_common'],
    ['zzzzzzzzzzzzzz', 'too_common'],
    ['12345678901234567890', 'too_common'],
    ['x'.repeat(257), 'too_long'],
    ['twelve chars', null],
    ['olive-tree-harbour-1987', null],
    ['كلمة مرور طويلة جداً', null],
  ])('%j → %s', (password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });

  it('counts characters, not UTF-16 units: 11 emoji are still too short', () => {
    expect(passwordProblem('🙂'.repeat(11))).toBe('too_short');
    expect(passwordProblem('🙂'.repeat(12))).toBeNull();
  });
});

describe('argon2id', () => {
  it('uses at least the OWASP parameters and verifies only the right password', async () => {
    expect(ARGON2_PARAMS.memoryCost).toBeGreaterThanOrEqual(19_456);
    expect(ARGON2_PARAMS.timeCost).toBeGreaterThanOrEqual(2);
    const hash = await hashPassword('olive-tree-harbour-1987');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'olive-tree-harbour-1987')).toBe(true);
    expect(await verifyPassword(hash, 'olive-tree-harbour-1988')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
    expect(await dummyPasswordHash()).toMatch(/^\$argon2id\$/);
  });
});

describe('argon2id threads', () => {
  /** Each thread of this process with its nice value (Linux's /proc). */
  function threadNices(): number[] {
    return readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name: state is field 3, nice field 19.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  }

  it.runIf(process.platform === 'linux')('hash at a lower priority than the rest of the service, on threads of their own', async () => {
    const pool = createHashThreads({ size: 2 });
    const before = threadNices().filter((n) => n === HASH_THREAD_NICE).length;
    const hashes = await Promise.all([pool.hash('olive-tree-harbour-1987', ARGON2_PARAMS), pool.hash('olive-tree-harbour-1988', ARGON2_PARAMS)]);
    expect(threadNices().filter((n) => n === HASH_THREAD_NICE).length).toBe(before + 2);
    expect(os.getPriority(0)).toBe(0);
    expect(await verifyPassword(hashes[0], 'olive-tree-harbour-1987')).toBe(true);
    expect(await verifyPassword(hashes[1], 'olive-tree-harbour-1987')).toBe(false);
  });

  it('run at most `size` at once and answer every job of a burst, each with its own result', async () => {
    // A nice value of its own, so this pool's threads can be told from the others' on Linux.
    const nice = 7;
    const pool = createHashThreads({ size: 2, nice: process.platform === 'linux' ? nice : null });
    const passwords = Array.from({ length: 7 }, (_, i) => `burst-password-number-${i}`);
    const jobs = passwords.map((p) => pool.hash(p, ARGON2_PARAMS));
    expect(pool.pending()).toBe(7);
    const hashes = await Promise.all(jobs);
    expect(pool.pending()).toBe(0);
    if (process.platform === 'linux') expect(threadNices().filter((n) => n === nice)).toHaveLength(2);
    expect(new Set(hashes).size).toBe(7);
    const checks = await Promise.all(hashes.map((h, i) => pool.verify(h, passwords[i]!)));
    expect(checks).toEqual(Array(7).fill(true));
    expect(await pool.verify(hashes[0]!, passwords[1]!)).toBe(false);
  });

  it('hand each thread its next job, which it starts without waiting for a busy event loop', async () => {
    const pool = createHashThreads({ size: 1, nice: null });
    expect(pool.capacity).toBe(2);
    // One hash alone, on a started thread, for how long one takes on this machine now.
    await pool.hash('olive-tree-harbour-1986', ARGON2_PARAMS);
    const started = performance.now();
    await pool.hash('olive-tree-harbour-1987', ARGON2_PARAMS);
    const one = performance.now() - started;
    const jobs = [pool.hash('olive-tree-harbour-1988', ARGON2_PARAMS), pool.hash('olive-tree-harbour-1989', ARGON2_PARAMS)];
    // The event loop is busy (as with requests) for far longer than both take: the thread went on alone.
    const until = performance.now() + 10 * one;
    while (performance.now() < until) {
      // busy
    }
    const freed = performance.now();
    const hashes = await Promise.all(jobs);
    expect(performance.now() - freed).toBeLessThan(one / 2);
    expect(await Promise.all([pool.verify(hashes[0]!, 'olive-tree-harbour-1988'), pool.verify(hashes[1]!, 'olive-tree-harbour-1989')])).toEqual([true, true]);
  });

  it('fail a job whose input argon2 refuses, and go on with the next', async () => {
    const pool = createHashThreads({ size: 1, nice: null });
    await expect(pool.verify('not a hash', 'x')).rejects.toThrow();
    expect(await pool.verify(await pool.hash('olive-tree-harbour-1987', ARGON2_PARAMS), 'olive-tree-harbour-1987')).toBe(true);
  });

  it('let a process that hashed once exit on its own', () => {
    const script = `import { hashPassword } from './src/modules/users/password.ts'; console.log(await hashPassword('olive-tree-harbour-1987'));`;
    const out = execFileSync(join(process.cwd(), 'node_modules', '.bin', 'tsx'), ['--input-type=module', '-e', script], { timeout: 30_000, encoding: 'utf8' });
    expect(out).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
