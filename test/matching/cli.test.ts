import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/modules/matching/match.cli.js';
import { generateInstance } from '../../src/modules/matching/generate.js';

const dir = mkdtempSync(join(tmpdir(), 'matching-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** LEMON's report on a DIMACS file (it prints to both streams). */
function lemonReport(file: string): string {
  const child = spawnSync('dimacs-solver', [file], { encoding: 'utf8' });
  return child.stdout + child.stderr;
}

/** Whether LEMON's dimacs-solver can be started (its --help exits with 1, so only a failure to start counts). */
function lemonAvailable(): boolean {
  return spawnSync('dimacs-solver', ['--help'], { stdio: 'ignore' }).error === undefined;
}

describe('npm run match', () => {
  it('prints the result of the example instance as JSON, with the objective and the time taken', async () => {
    const { code, out } = await run(['--input', 'examples/matching-instance.json']);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { objective: { placed: number; totalFit: number }; timings: { totalMs: number }; stats: { certified: boolean } };
    expect(result.objective.placed).toBeGreaterThan(0);
    expect(result.timings.totalMs).toBeGreaterThan(0);
    expect(result.stats.certified).toBe(true);
  });

  it('runs the stable mode', async () => {
    const { code, out } = await run(['--input', 'examples/matching-instance.json', '--mode', 'stable']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ mode: 'stable', stability: { blockingPairs: 0 } });
  });

  it('refuses a bad instance with exit code 1 and the reason, and bad usage with 2', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ candidates: [], lines: [{ id: 'l-1', departmentId: 'd', governorate: 'homs', specializations: ['law'], rankMin: 'major', rankMax: 'captain', seats: 1, roleType: 'operational', priority: 1 }] }));
    const bad = await run(['--input', path]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/line "l-1": rankMin major is above rankMax captain/);
    expect((await run(['--input', path, '--mode', 'greedy'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });

  it('writes a DIMACS file LEMON solves to the same objective (when dimacs-solver is installed)', async () => {
    const input = join(dir, 'medium.json');
    const dimacs = join(dir, 'medium.min');
    writeFileSync(input, JSON.stringify(generateInstance({ candidates: 400, lines: 30, seats: 320, seed: 17 })));
    const { code, out, err } = await run(['--input', input, '--dimacs', dimacs]);
    expect(code).toBe(0);
    const result = JSON.parse(out) as { objective: { placed: number; totalFit: number }; flow: { bonus: number; minCost: number } };
    const minCost = -(result.flow.bonus * result.objective.placed + result.objective.totalFit);
    expect(result.flow.minCost).toBe(minCost);
    expect(err).toContain(`minimum cost ${minCost}`);
    const text = readFileSync(dimacs, 'utf8');
    expect(text).toMatch(/^p min \d+ \d+$/m);
    expect(text).toMatch(/^n 1 1$/m);
    // .ci/run installs LEMON and sets REQUIRE_LEMON, so CI never passes this vacuously.
    if (!lemonAvailable()) return expect(process.env.REQUIRE_LEMON).toBeUndefined();
    expect(lemonReport(dimacs)).toContain(`Min flow cost: ${minCost}\n`);
  });
});

describe('DIMACS file', () => {
  it('solves with LEMON to the engine objective on random small instances, empty ones included (when installed)', async () => {
    // .ci/run installs LEMON and sets REQUIRE_LEMON, so CI never passes this vacuously.
    if (!lemonAvailable()) return expect(process.env.REQUIRE_LEMON).toBeUndefined();
    const fc = (await import('fast-check')).default;
    const { instanceArb } = await import('./helpers.js');
    const samples = fc.sample(instanceArb(8, 4), { seed: 21, numRuns: 40 });
    samples.push({ candidates: [], lines: [] });
    for (const [i, raw] of samples.entries()) {
      const input = join(dir, `small-${i}.json`);
      const dimacs = join(dir, `small-${i}.min`);
      writeFileSync(input, JSON.stringify(raw));
      const { code, out } = await run(['--input', input, '--dimacs', dimacs]);
      expect(code).toBe(0);
      const result = JSON.parse(out) as { flow: { minCost: number } };
      expect(lemonReport(dimacs)).toContain(`Min flow cost: ${result.flow.minCost}\n`);
    }
  });
});
