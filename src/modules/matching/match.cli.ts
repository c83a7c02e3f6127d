/**
 * npm run match -- --input instance.json [--mode optimal|stable] [--dimacs out.min]
 *
 * Reads a matching instance (API.md, "Matching instance"), prints the result as JSON (objective,
 * placements, unplaced, potentials, stats, timings) and, with --dimacs, writes the same problem as a
 * DIMACS min-cost-flow file for an outside solver (LEMON: `dimacs-solver out.min`), whose minimum cost
 * is −(bonus · placed + totalFit). Exit codes: 0 done, 1 invalid instance, 2 usage or I/O error.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { dimacsChunks } from './engine/dimacs.js';
import { match } from './engine/engine.js';
import { flowModel } from './engine/flow-model.js';
import { InstanceError, parseInstance } from './engine/instance.js';
import { buildProblem } from './engine/problem.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const USAGE = 'usage: npm run match -- --input instance.json [--mode optimal|stable] [--dimacs out.min]';

/** Writes the instance's flow model as DIMACS, with the minimum cost the engine found as a comment. */
export function writeDimacs(input: unknown, path: string, optimum: { placed: number; totalFit: number }): number {
  const problem = buildProblem(parseInstance(input));
  const network = flowModel(problem);
  const minCost = -(problem.bonus * optimum.placed + optimum.totalFit);
  const comments = [
    'officer placement as min-cost flow: nodes 1..n candidates (supply 1), then lines, then the sink',
    'arcs: candidate -> line (cap 1, cost -(bonus + fit)), candidate -> sink "unplaced" (cap 2: at most 1 can flow), line -> sink (cap seats)',
    `bonus per placement ${problem.bonus}; minimum cost = -(bonus * placed + totalFit) = ${minCost}`,
  ];
  const fd = openSync(path, 'w');
  try {
    for (const chunk of dimacsChunks(network, comments)) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return minCost;
}

export async function main(argv: string[], io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): Promise<number> {
  let values: { input?: string; mode?: string; dimacs?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { input: { type: 'string' }, mode: { type: 'string' }, dimacs: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const mode = values.mode ?? 'optimal';
  if (!values.input || (mode !== 'optimal' && mode !== 'stable')) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(values.input, 'utf8'));
  } catch (error) {
    io.err(`cannot read ${values.input}: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    const result = match(input, { mode });
    if (values.dimacs) {
      const minCost = writeDimacs(input, values.dimacs, result.stability?.optimum ?? result.objective);
      if (minCost !== result.flow.minCost) throw new Error(`DIMACS minimum cost ${minCost} disagrees with the result's ${result.flow.minCost}`);
      io.err(`DIMACS written to ${values.dimacs}; an outside solver must find minimum cost ${minCost}\n`);
    }
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InstanceError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    io.err(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
