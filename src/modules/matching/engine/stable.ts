/**
 * Stable mode: officer-proposing deferred acceptance (Gale–Shapley with capacities, as in the residency
 * match), over compatible pairs only.
 *  - An officer ranks compatible lines by their stated preferences: the line's governorate by its place
 *    in preferredGovernorates (absent last), then specialization (a line taking the officer's k-th
 *    specialization exactly before one taking the (k+1)-th; related matches after all exact ones), then
 *    by fit, higher first, then by line id.
 *  - A line ranks officers by fit, higher first, then by candidate id.
 * Both orders are strict, so the result is the officer-optimal stable matching whatever the order of
 * proposals, and it has no blocking pair (blockingPairs counts them, for tests and the output).
 */
import { GOVERNORATE_CODES } from '../../reference/reference.codes.js';
import { SPECIALIZATION_CODES } from './instance.js';
import type { Problem } from './problem.js';

export interface StableResult {
  /** Pair index per candidate, −1 when unplaced. */
  assigned: Int32Array;
  /** The officer's preference key of each pair: smaller is preferred. */
  preference: Float64Array;
  explain(c: number, k: number): string;
}

function specIndex(code: string): number {
  return SPECIALIZATION_CODES.indexOf(code);
}

/** Preference keys of every pair (smaller = preferred by the officer), distinct within a candidate. */
export function officerPreferences(problem: Problem): Float64Array {
  const { candidates, lines, pairStart, pairLine, pairFit, instance } = problem;
  const m = lines.length;
  const lineMask = lines.map((line) => line.specializations.reduce((mask, s) => mask | (1 << specIndex(s)), 0));
  const related = new Int32Array(SPECIALIZATION_CODES.length);
  for (const [a, b] of instance.related) {
    related[specIndex(a)]! |= 1 << specIndex(b);
    related[specIndex(b)]! |= 1 << specIndex(a);
  }
  const lineGov = lines.map((line) => GOVERNORATE_CODES.indexOf(line.governorate));
  const preference = new Float64Array(pairLine.length);
  const govRank = new Int32Array(GOVERNORATE_CODES.length);
  candidates.forEach((candidate, c) => {
    const prefs = candidate.preferredGovernorates;
    govRank.fill(prefs.length);
    for (let i = prefs.length - 1; i >= 0; i--) govRank[GOVERNORATE_CODES.indexOf(prefs[i]!)] = i;
    const specs = candidate.specializations.map(specIndex);
    for (let k = pairStart[c]!; k < pairStart[c + 1]!; k++) {
      const l = pairLine[k]!;
      const mask = lineMask[l]!;
      let specRank = -1;
      for (let i = 0; i < specs.length && specRank < 0; i++) if (mask & (1 << specs[i]!)) specRank = i;
      for (let i = 0; i < specs.length && specRank < 0; i++) if (mask & related[specs[i]!]!) specRank = specs.length + i;
      const key = (govRank[lineGov[l]!]! * 64 + specRank) * 8192 + (8191 - pairFit[k]!);
      preference[k] = key * m + l;
    }
  });
  return preference;
}

/** Line l prefers pair a's officer to pair b's. */
function linePrefers(problem: Problem, pairCandidate: Int32Array, a: number, b: number): boolean {
  const fa = problem.pairFit[a]!;
  const fb = problem.pairFit[b]!;
  return fa > fb || (fa === fb && pairCandidate[a]! < pairCandidate[b]!);
}

export function pairCandidates(problem: Problem): Int32Array {
  const owner = new Int32Array(problem.pairLine.length);
  for (let c = 0; c < problem.candidates.length; c++) owner.fill(c, problem.pairStart[c], problem.pairStart[c + 1]);
  return owner;
}

export function stableMatching(problem: Problem): StableResult {
  const { candidates, lines, pairStart, pairLine, seats } = problem;
  const n = candidates.length;
  const m = lines.length;
  const preference = officerPreferences(problem);
  const owner = pairCandidates(problem);
  // Each officer's pairs in preference order.
  const order = new Int32Array(pairLine.length);
  const keys = new Float64Array(pairLine.length);
  for (let c = 0; c < n; c++) {
    const start = pairStart[c]!;
    const end = pairStart[c + 1]!;
    keys.set(preference.subarray(start, end), start);
    keys.subarray(start, end).sort();
    // Keys end with the line index; a candidate's pairs are by increasing line, so a binary search finds the pair.
    for (let i = start; i < end; i++) {
      const line = keys[i]! % m;
      let lo = start;
      let hi = end - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pairLine[mid]! < line) lo = mid + 1;
        else hi = mid;
      }
      order[i] = lo;
    }
  }
  // Holders of each line: a heap with the line's least preferred holder on top.
  const heapStart = new Int32Array(m + 1);
  for (let l = 0; l < m; l++) heapStart[l + 1] = heapStart[l]! + seats[l]!;
  const heap = new Int32Array(heapStart[m]!);
  const heapSize = new Int32Array(m);
  const worse = (a: number, b: number) => linePrefers(problem, owner, b, a);
  const siftUp = (base: number, i: number) => {
    const item = heap[base + i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(item, heap[base + p]!)) break;
      heap[base + i] = heap[base + p]!;
      i = p;
    }
    heap[base + i] = item;
  };
  const siftDown = (base: number, size: number) => {
    let i = 0;
    const item = heap[base]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && worse(heap[base + child + 1]!, heap[base + child]!)) child++;
      if (!worse(heap[base + child]!, item)) break;
      heap[base + i] = heap[base + child]!;
      i = child;
    }
    heap[base + i] = item;
  };

  const next = pairStart.slice(0, n);
  const assigned = new Int32Array(n).fill(-1);
  const free: number[] = [];
  for (let c = n - 1; c >= 0; c--) free.push(c);
  while (free.length > 0) {
    const c = free.pop()!;
    while (next[c]! < pairStart[c + 1]!) {
      const k = order[next[c]!]!;
      next[c]!++;
      const l = pairLine[k]!;
      const base = heapStart[l]!;
      if (heapSize[l]! < seats[l]!) {
        heap[base + heapSize[l]!] = k;
        siftUp(base, heapSize[l]!);
        heapSize[l]!++;
        assigned[c] = k;
        break;
      }
      const worst = heap[base]!;
      if (linePrefers(problem, owner, k, worst)) {
        heap[base] = k;
        siftDown(base, heapSize[l]!);
        assigned[c] = k;
        const evicted = owner[worst]!;
        assigned[evicted] = -1;
        free.push(evicted);
        break;
      }
    }
  }
  return {
    assigned,
    preference,
    explain(c, k) {
      const rank = order.subarray(pairStart[c], pairStart[c + 1]).indexOf(k) + 1;
      const count = pairStart[c + 1]! - pairStart[c]!;
      return rank === 1
        ? `stable: the officer's first choice of ${count} compatible line(s)`
        : `stable: choice ${rank} of ${count}; every line the officer ranks higher is full with officers it ranks higher`;
    },
  };
}

/** Compatible pairs (officer, line) that would both rather be together than with what they have. */
export function blockingPairs(problem: Problem, assigned: Int32Array, preference: Float64Array): number {
  const { candidates, lines, pairStart, pairLine, seats } = problem;
  const owner = pairCandidates(problem);
  const m = lines.length;
  const used = new Int32Array(m);
  const worst = new Int32Array(m).fill(-1);
  for (let c = 0; c < candidates.length; c++) {
    const k = assigned[c]!;
    if (k < 0) continue;
    const l = pairLine[k]!;
    used[l]!++;
    if (worst[l]! < 0 || linePrefers(problem, owner, worst[l]!, k)) worst[l] = k;
  }
  let count = 0;
  for (let c = 0; c < candidates.length; c++) {
    const mine = assigned[c]!;
    for (let k = pairStart[c]!; k < pairStart[c + 1]!; k++) {
      if (k === mine || (mine >= 0 && preference[mine]! < preference[k]!)) continue;
      const l = pairLine[k]!;
      if (used[l]! < seats[l]! || linePrefers(problem, owner, k, worst[l]!)) count++;
    }
  }
  return count;
}
