import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCertificate } from '../../src/modules/matching/engine/certificate.js';
import { match, solveOptimal } from '../../src/modules/matching/engine/engine.js';
import { parseInstance } from '../../src/modules/matching/engine/instance.js';
import { totalCost } from '../../src/modules/matching/engine/network.js';
import { generateInstance } from '../../src/modules/matching/generate.js';
import { bruteForce, instanceArb, successiveShortestPaths } from './helpers.js';

describe('optimal placements', () => {
  it('equal brute force over every assignment on small random instances, and the checker accepts each', () => {
    fc.assert(
      fc.property(instanceArb(8, 4), (raw) => {
        const solved = solveOptimal(parseInstance(raw));
        const check = checkCertificate(solved.network, solved.solution.flow, solved.solution.potential);
        expect(check.problems).toEqual([]);
        const result = match(raw);
        expect(result.objective).toEqual(bruteForce(solved.problem));
        expect(result.stats.certified).toBe(true);
        expect(result.placements.length + result.unplaced.length).toBe(raw.candidates.length);
      }),
      { seed: 20261130, numRuns: 300 },
    );
  });

  it('equal successive shortest paths on medium instances (≈ 300 officers)', () => {
    for (const seed of [1, 2, 3]) {
      const solved = solveOptimal(parseInstance(generateInstance({ candidates: 300, lines: 24, seats: 240, seed })));
      const check = checkCertificate(solved.network, solved.solution.flow, solved.solution.potential);
      expect(check.problems).toEqual([]);
      expect(totalCost(solved.network, solved.solution.flow)).toBe(successiveShortestPaths(solved.network));
    }
  });

  it('equal successive shortest paths on many random generated instances of varied shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 20, max: 120 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 10, max: 150 }), (seed, candidates, lines, seatShare) => {
        // From far fewer seats than officers to more seats than officers.
        const seats = Math.max(lines, Math.floor((candidates * seatShare) / 100));
        const solved = solveOptimal(parseInstance(generateInstance({ candidates, lines, seats, seed })));
        expect(checkCertificate(solved.network, solved.solution.flow, solved.solution.potential).ok).toBe(true);
        expect(totalCost(solved.network, solved.solution.flow)).toBe(successiveShortestPaths(solved.network));
      }),
      { seed: 77, numRuns: 40 },
    );
  });

  it('the checker refuses a flow or potentials that were tampered with', () => {
    const solved = solveOptimal(parseInstance(generateInstance({ candidates: 60, lines: 8, seats: 40, seed: 7 })));
    const { network, solution } = solved;
    const flow = solution.flow.slice();
    const placedArc = flow.findIndex((f, e) => f === 1 && e < solved.problem.pairLine.length);
    flow[placedArc] = 0;
    expect(checkCertificate(network, flow, solution.potential).ok).toBe(false);
    const potential = solution.potential.slice();
    potential[0]! += 1_000;
    expect(checkCertificate(network, solution.flow, potential).ok).toBe(false);
    const over = solution.flow.slice();
    over[placedArc] = 2;
    expect(checkCertificate(network, over, solution.potential).problems.join()).toMatch(/outside/);
  });

  it('gives the same output whatever the order of candidates and lines', () => {
    fc.assert(
      fc.property(instanceArb(8, 4), fc.integer(), (raw, salt) => {
        const shuffled = {
          candidates: [...raw.candidates].reverse(),
          lines: raw.lines.map((_, i) => raw.lines[(i + Math.abs(salt)) % raw.lines.length]!),
        };
        const a = match(raw);
        const b = match(shuffled);
        expect(b.placements).toEqual(a.placements);
        expect(b.unplaced).toEqual(a.unplaced);
      }),
      { seed: 11, numRuns: 100 },
    );
  });
});

describe('identical officers', () => {
  it('are placed in id order, and the result stays optimal and certified', () => {
    fc.assert(
      fc.property(instanceArb(4, 3), (raw) => {
        // Each officer three times over, ids interleaved so the clones are not neighbours in id order.
        const clones = raw.candidates.flatMap((c, i) => [0, 1, 2].map((j) => ({ ...c, id: `x-${j}-${i}` })));
        const instance = { ...raw, candidates: clones };
        const result = match(instance);
        expect(result.objective).toEqual(bruteForce(solveOptimal(parseInstance(instance)).problem));
        const placed = new Set(result.placements.map((p) => p.candidateId));
        raw.candidates.forEach((_, i) => {
          const ids = [0, 1, 2].map((j) => `x-${j}-${i}`);
          const pattern = ids.map((id) => (placed.has(id) ? 1 : 0));
          expect([...pattern].sort((a, b) => b - a)).toEqual(pattern);
        });
      }),
      { seed: 8, numRuns: 150 },
    );
  });
});
