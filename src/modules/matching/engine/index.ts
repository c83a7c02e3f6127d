export { match, solveOptimal, type MatchingResult, type Mode, type Placement, type Unplaced } from './engine.js';
export { checkCertificate, type CertificateCheck } from './certificate.js';
export { flowModel } from './flow-model.js';
export { DEFAULT_WEIGHTS, InstanceError, parseInstance, type Instance, type InstanceInput } from './instance.js';
export type { FlowSolution, Network } from './network.js';
export { networkSimplex } from './network-simplex.js';
export { buildProblem, type FitParts, type Problem } from './problem.js';
export { blockingPairs, stableMatching } from './stable.js';
