import { execFileSync } from 'node:child_process';
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

function lemonAvailable(): boolean {
  try {
    execFileSync('dimacs-solver', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
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

  it('writes a DIMACS file LEMON solves to the same objective', async () => {
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
    if (!lemonAvailable()) return;
    const report = execFileSync('dimacs-solver', [dimacs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(report).toContain(`Min flow cost: ${minCost}`);
  });
});
