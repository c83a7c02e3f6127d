import { describe, expect, it } from 'vitest';
import { match } from '../../src/modules/matching/engine/engine.js';
import { InstanceError } from '../../src/modules/matching/engine/instance.js';

const candidate = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  rank: 'captain',
  specializations: ['law'],
  outcome: 'full',
  interviewScore: 4,
  preferredGovernorates: ['damascus'],
  ...extra,
});
const line = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  departmentId: 'd-01',
  governorate: 'damascus',
  specializations: ['law'],
  rankMin: 'captain',
  rankMax: 'major',
  seats: 1,
  roleType: 'operational',
  priority: 1,
  acceptsRequalification: false,
  ...extra,
});

function refusal(input: unknown): string {
  try {
    match(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InstanceError);
    return (error as Error).message;
  }
  throw new Error('the instance was accepted');
}

describe('bad input', () => {
  it('refuses an upside-down rank range, naming the line', () => {
    expect(refusal({ candidates: [], lines: [line('l-7', { rankMin: 'colonel', rankMax: 'captain' })] })).toMatch(/line "l-7": rankMin colonel is above rankMax captain/);
  });
  it('refuses unknown specializations and ranks, naming where', () => {
    const message = refusal({ candidates: [candidate('c-1', { specializations: ['astrology'] })], lines: [line('l-1', { rankMax: 'admiral' })] });
    expect(message).toMatch(/candidates\[0\] \(id "c-1"\)\.specializations\[0\]: unknown specialization "astrology"/);
    expect(message).toMatch(/lines\[0\] \(id "l-1"\)\.rankMax: unknown rank "admiral"/);
  });
  it('refuses zero or negative seats', () => {
    expect(refusal({ candidates: [], lines: [line('l-1', { seats: 0 })] })).toMatch(/lines\[0\] \(id "l-1"\)\.seats: seats must be a positive integer, got 0/);
    expect(refusal({ candidates: [], lines: [line('l-1', { seats: -2 })] })).toMatch(/got -2/);
  });
  it('refuses duplicate ids, naming them', () => {
    expect(refusal({ candidates: [candidate('c-1'), candidate('c-1')], lines: [line('l-1'), line('l-2'), line('l-2')] })).toMatch(
      /duplicate candidate ids: c-1; duplicate line ids: l-2/,
    );
  });
  it('fills weights left out with their defaults and refuses unknown or fractional ones', () => {
    const result = match({ weights: { specializationExact: 100 }, candidates: [candidate('c-1')], lines: [line('l-1')] });
    expect(result.placements[0]?.parts).toMatchObject({ specialization: 100, priority: 4 });
    expect(refusal({ weights: { specialisationExact: 1 }, candidates: [], lines: [] })).toMatch(/weights: Unrecognized key: "specialisationExact"/);
    expect(refusal({ weights: { rankCentre: 2.5 }, candidates: [], lines: [] })).toMatch(/weights\.rankCentre/);
  });

  it('refuses unknown related specializations and a missing field', () => {
    expect(refusal({ candidates: [candidate('c-1', { outcome: undefined })], lines: [], related: [['law', 'magic']] })).toMatch(/outcome/);
  });
});

describe('edge cases', () => {
  it('no candidates or no lines give an empty result, not an error', () => {
    const none = match({ candidates: [], lines: [line('l-1')] });
    expect(none.objective).toEqual({ placed: 0, totalFit: 0 });
    expect(none.placements).toEqual([]);
    const noLines = match({ candidates: [candidate('c-1')], lines: [] });
    expect(noLines.objective).toEqual({ placed: 0, totalFit: 0 });
    expect(noLines.unplaced).toEqual([expect.objectContaining({ candidateId: 'c-1', reason: 'no_compatible_line' })]);
  });

  it('one officer and no compatible line: the nearest lines and what excludes them', () => {
    const result = match({
      candidates: [candidate('c-1', { rank: 'colonel', outcome: 'requalification' })],
      lines: [line('l-1'), line('l-2', { specializations: ['infantry'], rankMin: 'colonel', rankMax: 'colonel' })],
    });
    const [unplaced] = result.unplaced;
    expect(unplaced?.reason).toBe('no_compatible_line');
    expect(unplaced?.explanation).toBe('no line accepts specialization law at rank colonel with outcome requalification');
    if (unplaced?.reason !== 'no_compatible_line') throw new Error('unexpected');
    // Two exclusions each; the nearer rank first.
    expect(unplaced.nearestLines[0]?.lineId).toBe('l-2');
    expect(unplaced.nearestLines[0]?.excludedBy[0]).toMatch(/^specialization: accepts infantry; none is law or related/);
    expect(unplaced.nearestLines[1]).toEqual({
      lineId: 'l-1',
      excludedBy: ['rank: colonel is outside captain..major', 'outcome requalification: a operational line that does not accept requalification'],
    });
  });

  it('all officers compatible with one line of one seat: the best fit takes it, the rest are outcompeted', () => {
    const result = match({
      candidates: [candidate('c-1', { interviewScore: 2 }), candidate('c-2', { interviewScore: 5 }), candidate('c-3', { interviewScore: 3 })],
      lines: [line('l-1')],
    });
    expect(result.placements.map((p) => p.candidateId)).toEqual(['c-2']);
    expect(result.unplaced.map((u) => u.reason)).toEqual(['outcompeted', 'outcompeted']);
    const first = result.unplaced[0]!;
    if (first.reason !== 'outcompeted') throw new Error('unexpected');
    expect(first.compatibleLines).toMatchObject([{ lineId: 'l-1', seats: 1, weakestHolder: { candidateId: 'c-2', fit: result.placements[0]!.fit } }]);
    expect(result.whereToOpenSeats[0]).toMatchObject({ lineId: 'l-1', additionalPlaced: 1 });
  });

  it('ties everywhere: identical officers and lines, the smallest ids win whatever the input order', () => {
    const candidates = ['c-5', 'c-3', 'c-9', 'c-1'].map((id) => candidate(id));
    const lines = ['l-b', 'l-a'].map((id) => line(id));
    const first = match({ candidates, lines });
    expect(first.objective.placed).toBe(2);
    for (let i = 0; i < 3; i++) expect(match({ candidates: [...candidates].reverse(), lines: [...lines].reverse() }).placements).toEqual(first.placements);
    expect(first.placements.map((p) => p.candidateId)).toEqual(['c-1', 'c-3']);
    expect(first.unplaced.map((u) => u.candidateId)).toEqual(['c-5', 'c-9']);
  });

  it('fit parts follow the documented formulas', () => {
    const result = match({
      weights: { specializationExact: 40, specializationRelated: 20, rankCentre: 10, interviewScore: 8, governoratePreference: 6, linePriority: 4 },
      candidates: [candidate('c-1', { rank: 'major', interviewScore: 4.2, preferredGovernorates: ['hama', 'damascus'] })],
      lines: [line('l-1', { rankMin: 'captain', rankMax: 'lieutenant_colonel', priority: 1 }), line('l-2', { priority: 3, seats: 1, specializations: ['military_justice'] })],
    });
    // rank: span 2, off 0 → 10; interview round(8 · 4.2 / 5) = 7; governorate: 2nd of 2 → floor(6 · 1 / 2) = 3; priority 1 of 1..3 → 4.
    expect(result.placements[0]).toMatchObject({ lineId: 'l-1', fit: 64, parts: { specialization: 40, rank: 10, interview: 7, governorate: 3, priority: 4 } });
    // The runner-up is related (military_justice ~ law): 20 + rank(major in captain..major: span 1, off 1 → floor(10·2/3) = 6) + 7 + 3 + floor(4·1/3) = 1.
    expect(result.placements[0]?.runnerUp).toMatchObject({ lineId: 'l-2', fit: 37, fitDifference: 27 });
    expect(result.placements[0]?.runnerUp?.fitLoss).toBeGreaterThanOrEqual(0);
  });
});
