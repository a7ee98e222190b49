export { runBench, type RunBenchOptions, type BenchOutcome } from './run-bench.ts';
export { planBench, SCENARIOS, DEFAULT_GATEWAYS, DEFAULT_RESULTS_DIR, type BenchOptions, type BenchPlan, type ScenarioName } from './bench-options.ts';
export { BenchError, type BenchErrorCode } from './errors.ts';
export type { BenchResults } from './bench-results.ts';
export { rerenderReport } from './report/write-report.ts';
