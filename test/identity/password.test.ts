import { describe, expect, it } from 'vitest';
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
