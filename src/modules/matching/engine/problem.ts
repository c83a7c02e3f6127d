/**
 * From an instance to the sparse compatibility graph: who may take which line (the hard constraints of
 * DESIGN §5) and the integer fit of every such pair, in flat typed arrays.
 *
 * Hard constraints (same ministry is implicit: an instance is one ministry's):
 *  - the candidate's rank is inside [rankMin, rankMax] of the line;
 *  - one of the candidate's specializations is one the line accepts (exact), or related to one (related);
 *  - outcome `requalification` only into `training` lines or lines with acceptsRequalification;
 *  - outcome `administrative_only` only into `administrative`, `logistics` or `oversight` lines.
 *
 * Fit = the sum of five integer parts, each between 0 and its weight (w.x below):
 *  - specialization: w.specializationExact when a candidate specialization is one the line lists,
 *    else w.specializationRelated (the pair is compatible only through the related relation);
 *  - rank: with span = max − min and off = |2·rank − min − max| (twice the distance to the middle of the
 *    range, so 0 ≤ off ≤ span), floor(w.rankCentre · (span + 2 − off) / (span + 2)): the full weight in
 *    the middle, 2/(span+2) of it at either end;
 *  - interview: round(w.interviewScore · score / 5), score being the panel mean on the 1–5 scale;
 *  - governorate: the line's governorate at place k (0-based) of the candidate's P preferences gives
 *    floor(w.governoratePreference · (P − k) / P), so the first choice gets the full weight; absent, 0;
 *  - line priority: 1 is the most urgent; over the instance's priorities pMin..pMax,
 *    floor(w.linePriority · (pMax − p + 1) / (pMax − pMin + 1)), the most urgent lines get the full
 *    weight; a line without a priority gets 0.
 */
import { GOVERNORATE_CODES } from '../../reference/reference.codes.js';
import { rankIndex, SPECIALIZATION_CODES, type Candidate, type Instance, type Line } from './instance.js';

export interface FitParts {
  specialization: number;
  rank: number;
  interview: number;
  governorate: number;
  priority: number;
}

export const SPEC_NONE = 0;
export const SPEC_RELATED = 1;
export const SPEC_EXACT = 2;

/** The compatibility graph; candidates and lines sorted by id (code-unit order), pairs grouped by candidate. */
export interface Problem {
  instance: Instance;
  candidates: Candidate[];
  lines: Line[];
  /** Pairs of candidate c are pairStart[c] .. pairStart[c+1]-1, by increasing line index. */
  pairStart: Int32Array;
  pairLine: Int32Array;
  pairFit: Int32Array;
  /** SPEC_EXACT or SPEC_RELATED. */
  pairSpec: Uint8Array;
  seats: Int32Array;
  /** Bonus per placement: larger than any fit total of one fewer placement (see bonusFor). */
  bonus: number;
  tables: FitTables;
}

/** Per-line and per-candidate parts, so a pair's fit is a handful of lookups. */
export interface FitTables {
  /** rankPart[line * RANKS + rank]. */
  rankPart: Int32Array;
  interviewPart: Int32Array;
  /** governoratePart[candidate * GOVERNORATES + governorate]. */
  governoratePart: Int32Array;
  priorityPart: Int32Array;
  lineGovernorate: Int32Array;
}

const RANKS = 16;
const GOVERNORATES = GOVERNORATE_CODES.length;
const OUTCOME_BIT = { full: 1, requalification: 2, administrative_only: 4 } as const;

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

if (SPECIALIZATION_CODES.length > 32) throw new Error('specialization masks hold 32 codes; widen them');

function specMask(codes: readonly string[]): number {
  let mask = 0;
  for (const code of codes) mask |= 1 << SPECIALIZATION_CODES.indexOf(code);
  return mask;
}

/** Outcomes a line accepts, as OUTCOME_BIT flags. */
function acceptedOutcomes(line: Line): number {
  let bits: number = OUTCOME_BIT.full;
  if (line.roleType === 'training' || line.acceptsRequalification) bits |= OUTCOME_BIT.requalification;
  if (line.roleType === 'administrative' || line.roleType === 'logistics' || line.roleType === 'oversight') bits |= OUTCOME_BIT.administrative_only;
  return bits;
}

export function outcomeAccepted(candidate: Candidate, line: Line): boolean {
  return (acceptedOutcomes(line) & OUTCOME_BIT[candidate.outcome]) !== 0;
}

export function rankPart(weight: number, rank: number, min: number, max: number): number {
  const span = max - min;
  const off = Math.abs(2 * rank - min - max);
  return Math.floor((weight * (span + 2 - off)) / (span + 2));
}

function buildTables(instance: Instance, candidates: Candidate[], lines: Line[]): FitTables {
  const w = instance.weights;
  const rankTable = new Int32Array(lines.length * RANKS);
  const priorityPart = new Int32Array(lines.length);
  const lineGovernorate = new Int32Array(lines.length);
  let pMin = Infinity;
  let pMax = -Infinity;
  for (const line of lines) {
    if (line.priority === null || line.priority === undefined) continue;
    pMin = Math.min(pMin, line.priority);
    pMax = Math.max(pMax, line.priority);
  }
  lines.forEach((line, l) => {
    const min = rankIndex(line.rankMin);
    const max = rankIndex(line.rankMax);
    for (let r = min; r <= max; r++) rankTable[l * RANKS + r] = rankPart(w.rankCentre, r, min, max);
    const p = line.priority;
    priorityPart[l] = p === null || p === undefined ? 0 : Math.floor((w.linePriority * (pMax - p + 1)) / (pMax - pMin + 1));
    lineGovernorate[l] = GOVERNORATE_CODES.indexOf(line.governorate);
  });
  const interviewPart = new Int32Array(candidates.length);
  const governoratePart = new Int32Array(candidates.length * GOVERNORATES);
  candidates.forEach((candidate, c) => {
    interviewPart[c] = Math.round((w.interviewScore * candidate.interviewScore) / 5);
    const prefs = candidate.preferredGovernorates;
    // A governorate listed twice counts at its first place.
    for (let k = prefs.length - 1; k >= 0; k--) {
      governoratePart[c * GOVERNORATES + GOVERNORATE_CODES.indexOf(prefs[k]!)] = Math.floor(
        (w.governoratePreference * (prefs.length - k)) / prefs.length,
      );
    }
  });
  return { rankPart: rankTable, interviewPart, governoratePart, priorityPart, lineGovernorate };
}

/** Symmetric closure of the related relation, as a mask per specialization. */
function relatedMasks(related: [string, string][]): Int32Array {
  const masks = new Int32Array(SPECIALIZATION_CODES.length);
  for (const [a, b] of related) {
    const i = SPECIALIZATION_CODES.indexOf(a);
    const j = SPECIALIZATION_CODES.indexOf(b);
    masks[i]! |= 1 << j;
    masks[j]! |= 1 << i;
  }
  return masks;
}

/**
 * The placement bonus B. With pMax placements possible at most, the best fit total of pMax − 1
 * placements is at most maxFit · (pMax − 1), and fits are ≥ 0, so B = maxFit · (pMax − 1) + 1 makes one
 * more placement worth more than any fit it may cost (the best fit total is concave in the number
 * placed, so the last placement is the dearest one).
 */
function bonusFor(maxFit: number, maxPlacements: number): number {
  return maxFit * Math.max(0, maxPlacements - 1) + 1;
}

export function buildProblem(instance: Instance): Problem {
  const candidates = [...instance.candidates].sort(byId);
  const lines = [...instance.lines].sort(byId);
  const n = candidates.length;
  const m = lines.length;
  const w = instance.weights;
  const tables = buildTables(instance, candidates, lines);
  const relMask = relatedMasks(instance.related);

  const lineMask = new Int32Array(m);
  const lineLo = new Int32Array(m);
  const lineHi = new Int32Array(m);
  const lineOutcomes = new Int32Array(m);
  const seats = new Int32Array(m);
  lines.forEach((line, l) => {
    lineMask[l] = specMask(line.specializations);
    lineLo[l] = rankIndex(line.rankMin);
    lineHi[l] = rankIndex(line.rankMax);
    lineOutcomes[l] = acceptedOutcomes(line);
    seats[l] = line.seats;
  });

  const pairStart = new Int32Array(n + 1);
  let capacity = Math.max(16, Math.min(n * m, n * 8));
  let pairLine = new Int32Array(capacity);
  let pairFit = new Int32Array(capacity);
  let pairSpec = new Uint8Array(capacity);
  let count = 0;
  let maxFit = 0;
  const lineUsed = new Uint8Array(m);
  let candidatesWithLine = 0;
  const { rankPart: rankTable, interviewPart, governoratePart, priorityPart, lineGovernorate } = tables;

  // Lines by (rank, outcome) they accept, so a candidate only looks at lines its rank and outcome allow.
  const OUTCOME_INDEX = { full: 0, requalification: 1, administrative_only: 2 } as const;
  const eligible = new Map<number, Int32Array>();
  const linesFor = (rank: number, outcome: Candidate['outcome']): Int32Array => {
    const key = rank * 3 + OUTCOME_INDEX[outcome];
    let list = eligible.get(key);
    if (!list) {
      const bit = OUTCOME_BIT[outcome];
      const chosen: number[] = [];
      for (let l = 0; l < m; l++) if (rank >= lineLo[l]! && rank <= lineHi[l]! && (lineOutcomes[l]! & bit) !== 0) chosen.push(l);
      list = Int32Array.from(chosen);
      eligible.set(key, list);
    }
    return list;
  };
  // The rank and priority parts, per line and rank, in one lookup.
  const lineBase = new Int32Array(m * RANKS);
  for (let i = 0; i < lineBase.length; i++) lineBase[i] = rankTable[i]! + priorityPart[Math.floor(i / RANKS)]!;

  for (let c = 0; c < n; c++) {
    const candidate = candidates[c]!;
    const exactMask = specMask(candidate.specializations);
    let nearMask = 0;
    for (const code of candidate.specializations) nearMask |= relMask[SPECIALIZATION_CODES.indexOf(code)]!;
    const rank = rankIndex(candidate.rank);
    const list = linesFor(rank, candidate.outcome);
    const base = interviewPart[c]!;
    const govBase = c * GOVERNORATES;
    pairStart[c] = count;
    if (count + list.length > capacity) {
      capacity = Math.max(capacity * 2, count + list.length);
      const grownLine = new Int32Array(capacity);
      grownLine.set(pairLine);
      pairLine = grownLine;
      const grownFit = new Int32Array(capacity);
      grownFit.set(pairFit);
      pairFit = grownFit;
      const grownSpec = new Uint8Array(capacity);
      grownSpec.set(pairSpec);
      pairSpec = grownSpec;
    }
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      const mask = lineMask[l]!;
      let fit: number;
      let spec: number;
      if ((mask & exactMask) !== 0) {
        spec = SPEC_EXACT;
        fit = w.specializationExact;
      } else if ((mask & nearMask) !== 0) {
        spec = SPEC_RELATED;
        fit = w.specializationRelated;
      } else continue;
      fit += lineBase[l * RANKS + rank]! + base + governoratePart[govBase + lineGovernorate[l]!]!;
      pairLine[count] = l;
      pairFit[count] = fit;
      pairSpec[count] = spec;
      if (fit > maxFit) maxFit = fit;
      lineUsed[l] = 1;
      count++;
    }
    if (pairStart[c] !== count) candidatesWithLine++;
  }
  pairStart[n] = count;
  let usableSeats = 0;
  for (let l = 0; l < m; l++) if (lineUsed[l]) usableSeats += seats[l]!;
  return {
    instance,
    candidates,
    lines,
    pairStart,
    pairLine: pairLine.subarray(0, count),
    pairFit: pairFit.subarray(0, count),
    pairSpec: pairSpec.subarray(0, count),
    seats,
    bonus: bonusFor(maxFit, Math.min(candidatesWithLine, usableSeats)),
    tables,
  };
}

/** The parts of the fit of candidate c on line l (indices into the sorted arrays), as the graph scored it. */
export function fitParts(problem: Problem, c: number, l: number, spec: number): FitParts {
  const w = problem.instance.weights;
  const t = problem.tables;
  const rank = rankIndex(problem.candidates[c]!.rank);
  return {
    specialization: spec === SPEC_EXACT ? w.specializationExact : w.specializationRelated,
    rank: t.rankPart[l * RANKS + rank]!,
    interview: t.interviewPart[c]!,
    governorate: t.governoratePart[c * GOVERNORATES + t.lineGovernorate[l]!]!,
    priority: t.priorityPart[l]!,
  };
}

/** Specialization relation of a candidate to a line, SPEC_NONE when neither exact nor related. */
export function specializationMatch(problem: Problem, candidate: Candidate, line: Line): number {
  const lineSpecs = new Set(line.specializations);
  if (candidate.specializations.some((s) => lineSpecs.has(s))) return SPEC_EXACT;
  for (const [a, b] of problem.instance.related) {
    if ((lineSpecs.has(a) && candidate.specializations.includes(b)) || (lineSpecs.has(b) && candidate.specializations.includes(a))) return SPEC_RELATED;
  }
  return SPEC_NONE;
}
