import { describe, expect, it } from 'vitest';
import { runJobs, type RebuildJob } from '../../src/modules/demo/demo.indexes.js';

/** The work after a seed's load, scheduled by the locks its statements take (demo.indexes.ts). */

interface Ran {
  name: string;
  tables: readonly string[];
  mode: RebuildJob['mode'];
  start: number;
  end: number;
}

function plan(spec: [name: string, tables: string[], mode: RebuildJob['mode'], ms: number, fails?: boolean][]) {
  const ran: Ran[] = [];
  let running = 0;
  let most = 0;
  const jobs: RebuildJob[] = spec.map(([name, tables, mode, ms, fails]) => ({
    tables,
    mode,
    run: async () => {
      const start = performance.now();
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running -= 1;
      ran.push({ name, tables, mode, start, end: performance.now() });
      if (fails) throw new Error(`${name} failed`);
    },
  }));
  return { jobs, ran, names: spec.map(([name]) => name), most: () => most };
}

const conflict = (a: Ran, b: Ran) => a.tables.some((t) => b.tables.includes(t)) && (a.mode === 'exclusive' || b.mode === 'exclusive');
const overlap = (a: Ran, b: Ran) => a.start < b.end && b.start < a.end;

describe('the rebuild after a load', () => {
  it('runs every job, two at a time, never two that would wait for each other’s locks, builds on one table side by side', async () => {
    const { jobs, ran, names, most } = plan([
      ['gist on applicants', ['applicants'], 'shared', 80],
      ['gin on applicants', ['applicants'], 'shared', 40],
      ['btree on audit_log', ['audit_log'], 'shared', 30],
      ['analyze applicants', ['applicants'], 'exclusive', 30],
      ['analyze audit_log', ['audit_log'], 'exclusive', 30],
      ['key applicants → applications', ['applicants', 'applications'], 'exclusive', 10],
      ['key applications → users', ['applications', 'users'], 'exclusive', 10],
      ['analyze users', ['users'], 'exclusive', 10],
    ]);
    const failures: unknown[] = [];
    await runJobs(jobs, 2, failures);
    expect(failures).toEqual([]);
    // Each job once.
    expect(ran.map((r) => r.name).sort()).toEqual([...names].sort());
    expect(most()).toBe(2);
    for (const a of ran) for (const b of ran) if (a !== b && overlap(a, b)) expect(conflict(a, b), `${a.name} beside ${b.name}`).toBe(false);
    const byName = new Map(ran.map((r) => [r.name, r]));
    // Two builds on one table ran at the same time; the analysis of that table only after both.
    expect(overlap(byName.get('gist on applicants')!, byName.get('gin on applicants')!)).toBe(true);
    expect(byName.get('analyze applicants')!.start).toBeGreaterThanOrEqual(byName.get('gist on applicants')!.end);
    // While the long build ran, the other connection went on with work on other tables.
    expect(byName.get('analyze audit_log')!.start).toBeLessThan(byName.get('gist on applicants')!.end);
  });

  it('goes on after a failure, and hands every failure back', async () => {
    const { jobs, ran } = plan([
      ['build one', ['a'], 'shared', 10, true],
      ['build two', ['a'], 'shared', 10],
      ['key', ['a', 'b'], 'exclusive', 5, true],
      ['analyze b', ['b'], 'exclusive', 5],
    ]);
    const failures: unknown[] = [];
    await runJobs(jobs, 2, failures);
    expect(ran.map((r) => r.name).sort()).toEqual(['analyze b', 'build one', 'build two', 'key']);
    expect(failures.map((f) => (f as Error).message).sort()).toEqual(['build one failed', 'key failed']);
  });

  it('runs one after the other, in the order given, on one connection', async () => {
    const { jobs, ran, most } = plan([
      ['first', ['a'], 'shared', 5],
      ['second', ['b'], 'exclusive', 5],
      ['third', ['a'], 'exclusive', 5],
    ]);
    await runJobs(jobs, 1, []);
    expect(ran.map((r) => r.name)).toEqual(['first', 'second', 'third']);
    expect(most()).toBe(1);
  });
});
