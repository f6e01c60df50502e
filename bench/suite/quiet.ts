/**
 * The quiet-machine check: a run whose own baselines contradict each other, or that started on a
 * busy machine, is not a measurement of the code. Pure: it only reads a BenchRun.
 */
import type { BenchRun } from './model';

/** Load average (1 min) per core above which a scenario's numbers are not trusted. */
export const MAX_LOAD_PER_CORE = 1.5;
/** Slack for comparing two throughputs measured one after the other. */
const SLACK = 1.1;

export interface QuietVerdict {
  readonly quiet: boolean;
  readonly problems: readonly string[];
  /**
   * Offered rates the platform did not reach: what this machine and the code can do, not noise
   * (a busy machine is caught by the load checks above). They do not make the run un-quiet; the
   * latency figures measured at those rates are reported as not comparable.
   */
  readonly limits: readonly string[];
}

export function checkQuiet(run: BenchRun): QuietVerdict {
  const problems: string[] = [];
  const limits: string[] = [];
  const limit = MAX_LOAD_PER_CORE * run.machine.cores;
  if (run.loadAtStart.load1 > limit) {
    problems.push(`load average ${run.loadAtStart.load1.toFixed(2)} at the start of the run is above ${MAX_LOAD_PER_CORE} per core (${limit.toFixed(1)} on ${run.machine.cores} cores)`);
  }
  for (const s of run.scenarios) {
    if (s.loadBefore.load1 > limit) problems.push(`${s.name}: load average ${s.loadBefore.load1.toFixed(2)} before the scenario is above ${limit.toFixed(1)}`);
    if (s.error) problems.push(`${s.name}: failed (${s.error})`);
  }
  const api = run.api?.modes;
  if (api) {
    if (api.validate.max.okPerSecond < api.kafka.max.okPerSecond) {
      problems.push(`validate-only (${api.validate.max.okPerSecond}/s) is slower than kafka mode (${api.kafka.max.okPerSecond}/s): validate does a subset of kafka's work, so the machine was busy with something else`);
    }
    if (api.validate.max.okPerSecond < api.direct.max.okPerSecond) {
      problems.push(`validate-only (${api.validate.max.okPerSecond}/s) is slower than direct mode (${api.direct.max.okPerSecond}/s)`);
    }
    for (const mode of ['validate', 'kafka', 'direct'] as const) {
      const fixed = api[mode].fixed;
      const refused = api[mode].max.non2xx + fixed.non2xx;
      if (refused > 0) problems.push(`${mode}: ${refused} non-2xx answers: that mode is refusing requests, so its figures measure an error path`);
      if (fixed.okPerSecond < run.api!.fixedRate * 0.9) limits.push(`${mode}: reached ${fixed.okPerSecond}/s of the fixed ${run.api!.fixedRate}/s, so its latency at that rate is not comparable`);
    }
    if (run.broker && api.kafka.max.okPerSecond > run.broker.producer.recordsPerSecond * SLACK) {
      problems.push(`kafka mode (${api.kafka.max.okPerSecond}/s) beat the broker's own producer ceiling (${run.broker.producer.recordsPerSecond}/s): the ceiling was measured on a busier machine`);
    }
  }
  const p = run.persistence;
  if (p && run.broker) {
    for (const [name, r] of [['ours', p.ours], ['naive', p.naive]] as const) {
      if (r.eventsPerSecond > run.broker.consumer.recordsPerSecond * SLACK) problems.push(`persistence ${name} (${r.eventsPerSecond}/s) beat the broker's consumer ceiling (${run.broker.consumer.recordsPerSecond}/s)`);
    }
  }
  const steady = run.steady;
  if (steady && steady.achievedPerSecond < steady.ratePerSecond * 0.9) {
    limits.push(`steady state reached ${steady.achievedPerSecond}/s of ${steady.ratePerSecond}/s offered: the load generator or the API fell behind`);
  }
  return { quiet: problems.length === 0, problems, limits };
}
