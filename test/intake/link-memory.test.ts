import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLinkMemory, LINK_MEMORY_MS } from '../../src/modules/registration/registration.links.js';
import type { registrationLinks } from '../../src/modules/registration/registration.table.js';

/** createLinkMemory (registration.links.ts): links read for registrations, remembered LINK_MEMORY_MS each. */

type LinkRow = typeof registrationLinks.$inferSelect;

const link = (token: string, count = 0): LinkRow => ({
  id: `id-${token}`,
  token,
  ministry: 'interior',
  label: 'camp',
  opensAt: null,
  closesAt: null,
  maxRegistrations: null,
  registrationsCount: count,
  revokedAt: null,
  createdBy: 'staff',
  createdAt: new Date(0),
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the link memory', () => {
  it('reads a link once per period, then again; forgets it when told', async () => {
    const stored = new Map([['a', link('a')]]);
    const read = vi.fn(async (token: string) => stored.get(token));
    const links = createLinkMemory(read);
    expect(await links.find('a')).toMatchObject({ token: 'a', registrationsCount: 0 });
    stored.set('a', link('a', 7));
    vi.advanceTimersByTime(LINK_MEMORY_MS - 1);
    expect((await links.find('a'))?.registrationsCount).toBe(0);
    expect(read).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect((await links.find('a'))?.registrationsCount).toBe(7);
    expect(read).toHaveBeenCalledTimes(2);
    stored.set('a', { ...link('a', 7), revokedAt: new Date() });
    links.forget('a');
    expect((await links.find('a'))?.revokedAt).toBeInstanceOf(Date);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('never remembers an unknown token: a link created meanwhile is found at once', async () => {
    const stored = new Map<string, LinkRow>();
    const links = createLinkMemory(async (token) => stored.get(token));
    expect(await links.find('b')).toBeUndefined();
    stored.set('b', link('b'));
    expect(await links.find('b')).toMatchObject({ token: 'b' });
  });

  it('holds at most a thousand links, forgetting the one read longest ago', async () => {
    const read = vi.fn(async (token: string) => link(token));
    const links = createLinkMemory(read);
    for (let i = 0; i <= 1_000; i++) await links.find(`t${i}`);
    expect(read).toHaveBeenCalledTimes(1_001);
    await links.find('t1000');
    await links.find('t1');
    expect(read).toHaveBeenCalledTimes(1_001);
    await links.find('t0');
    expect(read).toHaveBeenCalledTimes(1_002);
  });
});
