/**
 * The matching instance (API.md, "Matching instance"): its zod schema, the defaults, and the checks a
 * schema cannot express (ids unique, rank ranges the right way up). Every refusal names the offending
 * ids and fields, so whoever exported the instance can fix it.
 */
import { z } from 'zod';
import { GOVERNORATE_CODES, RANK_CODES, type RankCode } from '../../reference/reference.codes.js';
import { specializationRelations, specializations as specializationSeed } from '../../../../seeds/reference.js';

export const SPECIALIZATION_CODES: readonly string[] = specializationSeed.map((s) => s.code);
export const OUTCOMES = ['full', 'requalification', 'administrative_only'] as const;
export const ROLE_TYPES = ['operational', 'training', 'administrative', 'logistics', 'oversight'] as const;

/** The weights stored with this engine version; an instance without `weights` gets these. */
export const DEFAULT_WEIGHTS = {
  specializationExact: 40,
  specializationRelated: 20,
  rankCentre: 10,
  interviewScore: 8,
  governoratePreference: 6,
  linePriority: 4,
} as const;

const specializationCode = z.string().refine((code) => SPECIALIZATION_CODES.includes(code), {
  error: (issue) => `unknown specialization "${String(issue.input)}"`,
});
const rankCode = z.enum(RANK_CODES, { error: (issue) => `unknown rank "${String(issue.input)}"` });
const governorateCode = z.enum(GOVERNORATE_CODES, { error: (issue) => `unknown governorate "${String(issue.input)}"` });
const id = z.string().min(1);
// Scores are integers, so weights are too; the cap keeps every cost of the flow problem far inside 2^31.
const weight = z.number().int().min(0).max(1000);

/** A weight left out takes its default; an unknown one is refused (most likely a misspelt name). */
export const weightsSchema = z.strictObject({
  specializationExact: weight.default(DEFAULT_WEIGHTS.specializationExact),
  specializationRelated: weight.default(DEFAULT_WEIGHTS.specializationRelated),
  rankCentre: weight.default(DEFAULT_WEIGHTS.rankCentre),
  interviewScore: weight.default(DEFAULT_WEIGHTS.interviewScore),
  governoratePreference: weight.default(DEFAULT_WEIGHTS.governoratePreference),
  linePriority: weight.default(DEFAULT_WEIGHTS.linePriority),
});

export const candidateSchema = z.object({
  id,
  rank: rankCode,
  specializations: z.array(specializationCode).min(1),
  outcome: z.enum(OUTCOMES),
  /** The mean of the panel's scorecards, 1–5 (0 is accepted and scores nothing). */
  interviewScore: z.number().min(0).max(5),
  preferredGovernorates: z.array(governorateCode),
});

export const lineSchema = z.object({
  id,
  departmentId: z.string(),
  governorate: governorateCode,
  specializations: z.array(specializationCode).min(1),
  rankMin: rankCode,
  rankMax: rankCode,
  seats: z.number().int().positive({ error: (issue) => `seats must be a positive integer, got ${String(issue.input)}` }),
  roleType: z.enum(ROLE_TYPES),
  /** 1 is the most urgent; the instance's own range is the scale (see fit.ts). Absent scores nothing. */
  priority: z.number().int().nullish(),
  acceptsRequalification: z.boolean().default(false),
});

export const instanceSchema = z.object({
  weights: weightsSchema.optional(),
  candidates: z.array(candidateSchema),
  lines: z.array(lineSchema),
  related: z.array(z.tuple([specializationCode, specializationCode])).optional(),
});

export type Weights = z.output<typeof weightsSchema>;
export type Candidate = z.infer<typeof candidateSchema>;
export type Line = z.infer<typeof lineSchema>;
export type InstanceInput = z.input<typeof instanceSchema>;

/** A validated instance with its defaults filled in. */
export interface Instance {
  weights: Weights;
  candidates: Candidate[];
  lines: Line[];
  related: [string, string][];
}

export class InstanceError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid matching instance: ${problems.join('; ')}`);
    this.name = 'InstanceError';
  }
}

/** Where an issue is, in words: `lines[3] (id "l-0004").rankMin`. */
function where(input: unknown, path: PropertyKey[]): string {
  let text = '';
  let node: unknown = input;
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const nodeId = node && typeof node === 'object' && 'id' in node ? (node).id : undefined;
      if (typeof nodeId === 'string') text += ` (id "${nodeId}")`;
    } else {
      text += text ? `.${String(key)}` : String(key);
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    }
  }
  return text || 'instance';
}

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of ids) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated].sort();
}

export function rankIndex(code: RankCode): number {
  return RANK_CODES.indexOf(code);
}

/** Validates and completes an instance; throws InstanceError naming every problem found. */
export function parseInstance(input: unknown): Instance {
  const parsed = instanceSchema.safeParse(input);
  if (!parsed.success) {
    throw new InstanceError(parsed.error.issues.map((issue) => `${where(input, issue.path)}: ${issue.message}`));
  }
  const { candidates, lines } = parsed.data;
  const problems: string[] = [];
  const candidateDuplicates = duplicates(candidates.map((c) => c.id));
  if (candidateDuplicates.length > 0) problems.push(`duplicate candidate ids: ${candidateDuplicates.join(', ')}`);
  const lineDuplicates = duplicates(lines.map((l) => l.id));
  if (lineDuplicates.length > 0) problems.push(`duplicate line ids: ${lineDuplicates.join(', ')}`);
  for (const line of lines) {
    if (rankIndex(line.rankMin) > rankIndex(line.rankMax)) {
      problems.push(`line "${line.id}": rankMin ${line.rankMin} is above rankMax ${line.rankMax}`);
    }
  }
  if (problems.length > 0) throw new InstanceError(problems);
  return {
    weights: parsed.data.weights ?? { ...DEFAULT_WEIGHTS },
    candidates,
    lines,
    related: parsed.data.related ?? specializationRelations.map(([a, b]) => [a, b] as [string, string]),
  };
}
