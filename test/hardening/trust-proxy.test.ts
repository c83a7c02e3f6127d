import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../harness.js';

/**
 * Issue 10 item 7: behind a proxy, the client address is the right-most address the trusted proxies
 * did not add — so a password spray that writes a different X-Forwarded-For each time is still
 * counted against the one address it really comes from, and locked out.
 */
const ADDRESS_LIMIT = 5;
const env = { LOGIN_ADDRESS_MAX_FAILURES: String(ADDRESS_LIMIT), LOGIN_MAX_FAILURES: '100' };

async function spray(t: TestApp, request: (i: number) => { remoteAddress: string; forwardedFor: string }, attempts = ADDRESS_LIMIT + 3): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < attempts; i += 1) {
    const { remoteAddress, forwardedFor } = request(i);
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { email: `victim${i}.${Math.random().toString(36).slice(2)}@example.test`, password: 'Summer2026!Summer' },
    });
    statuses.push(res.statusCode);
  }
  return statuses;
}

const forged = (i: number) => `198.18.${i}.${(i * 7) % 250}`;

function expectLockedAfterLimit(statuses: number[]): void {
  expect(statuses.slice(0, ADDRESS_LIMIT).every((s) => s === 401)).toBe(true);
  expect(statuses.slice(ADDRESS_LIMIT + 1)).toEqual(statuses.slice(ADDRESS_LIMIT + 1).map(() => 429));
}

describe('TRUST_PROXY=1 (one proxy in front)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ...env, TRUST_PROXY: '1' });
  });
  afterAll(() => t.close());

  it('a spray with a different forged X-Forwarded-For each time is locked by the address the proxy saw', async () => {
    const statuses = await spray(t, (i) => ({ remoteAddress: '10.0.0.2', forwardedFor: `${forged(i)}, 203.0.113.7` }));
    expectLockedAfterLimit(statuses);
    // Another client behind the same proxy is not locked with it.
    expect(await spray(t, () => ({ remoteAddress: '10.0.0.2', forwardedFor: '203.0.113.99' }), 1)).toEqual([401]);
  });

  it('the address is the right-most one, as fastify computes it', async () => {
    let seen: string | undefined;
    const t2 = await createTestApp({ TRUST_PROXY: '1' }, {
      configure: (app) => {
        app.get('/test/ip', { config: { permission: 'public' } }, async (request) => {
          seen = request.ip;
          return {};
        });
      },
    });
    try {
      await t2.app.inject({ method: 'GET', url: '/test/ip', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': '1.2.3.4, 203.0.113.9' } });
      expect(seen).toBe('203.0.113.9');
    } finally {
      await t2.close();
    }
  });
});

describe('TRUST_PROXY as CIDRs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ...env, TRUST_PROXY: '10.0.0.0/8, fd00::/8' });
  });
  afterAll(() => t.close());

  it('through the proxies: locked by the first address they did not add, whatever the client wrote before it', async () => {
    const statuses = await spray(t, (i) => ({ remoteAddress: '10.1.2.3', forwardedFor: `${forged(i)}, 10.9.9.${i}, 203.0.113.8` }));
    expectLockedAfterLimit(statuses);
    expect(await spray(t, () => ({ remoteAddress: '10.1.2.3', forwardedFor: '203.0.113.98' }), 1)).toEqual([401]);
  });

  it('straight from a client (not a listed proxy): its header is ignored, its own address locked', async () => {
    const statuses = await spray(t, (i) => ({ remoteAddress: '198.51.100.77', forwardedFor: forged(i) }));
    expectLockedAfterLimit(statuses);
  });
});
