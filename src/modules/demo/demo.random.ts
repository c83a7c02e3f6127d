import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * The demo data's only source of randomness: pure-rand's xoroshiro128+ from a seed, so the same seed
 * gives the same draws on every machine and Node version (Math.random is never used).
 */
export class DemoRandom {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed | 0);
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** A float in [0, 1) with 2^-30 resolution (plenty for shares and spreads). */
  float(): number {
    return this.int(0, 0x3fffffff) / 0x40000000;
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** A digit string of `length` digits (leading zeros allowed). */
  digits(length: number): string {
    let out = '';
    while (out.length < length) out += String(this.int(0, 999_999_999)).padStart(9, '0');
    return out.slice(0, length);
  }
}

/** Draws from a fixed list by relative weight, in O(log n) per draw. */
export class Weighted<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(private readonly items: readonly { value: T; weight: number }[]) {
    let sum = 0;
    for (const item of items) {
      if (!(item.weight >= 0)) throw new Error('weights must be non-negative');
      sum += item.weight;
      this.cumulative.push(sum);
    }
    if (sum <= 0) throw new Error('weights must not all be zero');
    this.total = sum;
  }

  static of<K extends string>(weights: Readonly<Record<K, number>>): Weighted<K> {
    return new Weighted((Object.entries(weights) as [K, number][]).map(([value, weight]) => ({ value, weight })));
  }

  draw(random: DemoRandom): T {
    const target = random.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!.value;
  }
}
