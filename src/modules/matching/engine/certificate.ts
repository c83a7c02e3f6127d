/**
 * The independent checker: given a network, a flow and node potentials, it verifies in O(arcs) that the
 * flow is feasible (bounds, conservation) and optimal (complementary slackness: an arc below its upper
 * bound has reduced cost ≥ 0, an arc above its lower bound has reduced cost ≤ 0). It shares nothing with
 * the solver but the Network shape.
 */
import type { Network } from './network.js';

export interface CertificateCheck {
  ok: boolean;
  /** At most a few problems, each naming the arc or node. */
  problems: string[];
  cost: number;
}

export function checkCertificate(network: Network, flow: Int32Array, potential: Float64Array): CertificateCheck {
  const { nodeCount, source, target, capacity, cost, supply } = network;
  const problems: string[] = [];
  const report = (text: string) => {
    if (problems.length < 10) problems.push(text);
  };
  if (flow.length !== source.length) report(`flow has ${flow.length} values for ${source.length} arcs`);
  if (potential.length !== nodeCount) report(`potential has ${potential.length} values for ${nodeCount} nodes`);
  const balance = new Float64Array(nodeCount);
  let total = 0;
  for (let e = 0; e < source.length; e++) {
    const f = flow[e] ?? 0;
    const u = source[e]!;
    const v = target[e]!;
    if (!Number.isInteger(f) || f < 0 || f > capacity[e]!) report(`arc ${e} (${u}→${v}): flow ${f} outside [0, ${capacity[e]}]`);
    balance[u]! += f;
    balance[v]! -= f;
    total += f * cost[e]!;
    const reduced = cost[e]! + (potential[u] ?? NaN) - (potential[v] ?? NaN);
    if (f < capacity[e]! && !(reduced >= 0)) report(`arc ${e} (${u}→${v}) below capacity has reduced cost ${reduced} < 0`);
    if (f > 0 && !(reduced <= 0)) report(`arc ${e} (${u}→${v}) carrying flow has reduced cost ${reduced} > 0`);
  }
  for (let u = 0; u < nodeCount; u++) {
    if (balance[u] !== supply[u]) report(`node ${u}: net outflow ${balance[u]} instead of its supply ${supply[u]}`);
  }
  return { ok: problems.length === 0, problems, cost: total };
}
