/**
 * Seeded synthetic matching instances in the API.md format, for the bench and the larger tests. With the
 * defaults about a quarter of all officer–line pairs are compatible.
 */
import { GOVERNORATE_CODES, RANK_CODES } from '../reference/reference.codes.js';
import type { InstanceInput } from './engine/instance.js';

/** mulberry32: a small, fast, seedable PRNG with the same sequence on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIALIZATIONS = ['infantry', 'reconnaissance', 'special_forces', 'armor', 'maintenance', 'logistics', 'administration', 'signals'];
const ROLE_TYPES = ['operational', 'operational', 'operational', 'training', 'administrative', 'logistics', 'oversight'] as const;

export interface GenerateOptions {
  candidates: number;
  lines: number;
  seats: number;
  seed: number;
}

export function generateInstance({ candidates, lines, seats, seed }: GenerateOptions): InstanceInput {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const some = <T>(items: readonly T[], count: number): T[] => {
    const pool = [...items];
    const chosen: T[] = [];
    while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(int(pool.length), 1)[0]!);
    return chosen;
  };
  const width = String(Math.max(candidates, lines)).length;
  const pad = (i: number) => String(i + 1).padStart(width, '0');
  const officerRanks = RANK_CODES.slice(7);
  const candidateList = Array.from({ length: candidates }, (_, i) => {
    const roll = random();
    return {
      id: `c-${pad(i)}`,
      rank: pick(officerRanks),
      specializations: some(SPECIALIZATIONS, 1 + int(2)),
      outcome: roll < 0.85 ? ('full' as const) : roll < 0.95 ? ('requalification' as const) : ('administrative_only' as const),
      interviewScore: Math.round((1 + random() * 4) * 10) / 10,
      preferredGovernorates: some(GOVERNORATE_CODES, int(4)),
    };
  });
  // Seats spread over the lines, each at least one.
  const seatCounts = new Array<number>(lines).fill(1);
  for (let s = lines; s < seats; s++) seatCounts[int(lines)]!++;
  const lineList = Array.from({ length: lines }, (_, i) => {
    const low = int(officerRanks.length - 2);
    const high = Math.min(officerRanks.length - 1, low + 2 + int(4));
    return {
      id: `l-${pad(i)}`,
      departmentId: `d-${String(1 + (i % Math.max(1, Math.ceil(lines / 10)))).padStart(3, '0')}`,
      governorate: pick(GOVERNORATE_CODES),
      specializations: some(SPECIALIZATIONS, 1 + int(2)),
      rankMin: officerRanks[low]!,
      rankMax: officerRanks[high]!,
      seats: seatCounts[i]!,
      roleType: pick(ROLE_TYPES),
      priority: 1 + int(3),
      acceptsRequalification: random() < 0.2,
    };
  });
  return {
    weights: { specializationExact: 40, specializationRelated: 20, rankCentre: 10, interviewScore: 8, governoratePreference: 6, linePriority: 4 },
    candidates: candidateList,
    lines: lineList,
  };
}
