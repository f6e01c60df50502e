/**
 * The report's charts as Vega-Lite specs built from one BenchRun (pure, unit-tested), rendered to
 * SVG in Node by vega + vega-lite (no canvas, no native dependencies).
 */
import type { BenchRun } from './model';

type Spec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const base = (title: string): Spec => ({ $schema: SCHEMA, title, width: 520, height: 260, background: 'white' });

export interface ChartDef {
  readonly file: string;
  readonly title: string;
  /** null when the run has no data for it (the scenario was not run). */
  spec(run: BenchRun): Spec | null;
}

export function latencyRows(run: BenchRun): Array<{ mode: string; percentile: string; ms: number }> {
  const rows: Array<{ mode: string; percentile: string; ms: number }> = [];
  const add = (mode: string, values: Record<string, number | undefined>) => {
    for (const [percentile, ms] of Object.entries(values)) if (ms !== undefined && Number.isFinite(ms)) rows.push({ mode, percentile, ms: Math.max(ms, 0.1) });
  };
  if (run.broker) add(`broker producer @${run.broker.producerAtRate.rate}/s`, { p50: run.broker.producerAtRate.p50Ms, p95: run.broker.producerAtRate.p95Ms, p99: run.broker.producerAtRate.p99Ms });
  if (run.api) {
    for (const mode of ['validate', 'kafka', 'direct'] as const) {
      const f = run.api.modes[mode].fixed;
      add(`API ${mode} @${run.api.fixedRate}/s`, { p50: f.p50Ms, p90: f.p90Ms, 'p97.5': f.p97_5Ms, p99: f.p99Ms });
    }
  }
  if (run.steady) add(`accepted→persisted @${run.steady.ratePerSecond}/s`, { p50: run.steady.p50Ms, p95: run.steady.p95Ms, p99: run.steady.p99Ms });
  return rows;
}

export function throughputRows(run: BenchRun): Array<{ mode: string; kind: string; perSecond: number }> {
  const rows: Array<{ mode: string; kind: string; perSecond: number }> = [];
  if (run.api) for (const mode of ['validate', 'kafka', 'direct'] as const) rows.push({ mode: `API ${mode}`, kind: 'produce', perSecond: run.api.modes[mode].max.okPerSecond });
  if (run.persistence) {
    rows.push({ mode: 'order-persistence', kind: 'consume', perSecond: run.persistence.ours.eventsPerSecond });
    rows.push({ mode: 'naive consumer', kind: 'consume', perSecond: run.persistence.naive.eventsPerSecond });
  }
  for (const p of run.scaling?.points ?? []) rows.push({ mode: `order-persistence ×${p.instances}`, kind: 'consume', perSecond: p.eventsPerSecond });
  for (const g of run.groups ?? []) if (g.unit === 'events') rows.push({ mode: g.group, kind: 'consume', perSecond: g.perSecond });
  return rows;
}

function ceilings(run: BenchRun): Array<{ ceiling: string; perSecond: number }> {
  if (!run.broker) return [];
  return [
    { ceiling: `broker producer ceiling ${run.broker.producer.recordsPerSecond}/s`, perSecond: run.broker.producer.recordsPerSecond },
    { ceiling: `broker consumer ceiling ${run.broker.consumer.recordsPerSecond}/s`, perSecond: run.broker.consumer.recordsPerSecond },
  ];
}

export const CHARTS: readonly ChartDef[] = [
  {
    file: 'latency.svg',
    title: 'Latency percentiles per mode (ms, log scale)',
    spec(run) {
      const values = latencyRows(run);
      if (!values.length) return null;
      return {
        ...base('Latency percentiles per mode (ms, log scale)'),
        data: { values },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'mode', type: 'nominal', title: null, axis: { labelAngle: -20 } },
          xOffset: { field: 'percentile', type: 'nominal', sort: ['p50', 'p90', 'p95', 'p97.5', 'p99'] },
          y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' },
          color: { field: 'percentile', type: 'nominal', sort: ['p50', 'p90', 'p95', 'p97.5', 'p99'] },
        },
      };
    },
  },
  {
    file: 'throughput.svg',
    title: 'Throughput per mode (events/s) with the broker ceilings',
    spec(run) {
      const values = throughputRows(run);
      if (!values.length) return null;
      const layers: Spec[] = [
        {
          data: { values },
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'mode', type: 'nominal', sort: null, title: null },
            x: { field: 'perSecond', type: 'quantitative', title: 'per second' },
            color: { field: 'kind', type: 'nominal', title: 'path' },
          },
        },
      ];
      const c = ceilings(run);
      if (c.length) {
        layers.push({
          data: { values: c },
          mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 2 },
          encoding: { x: { field: 'perSecond', type: 'quantitative' }, stroke: { field: 'ceiling', type: 'nominal', title: 'Kafka tools', scale: { range: ['#d62728', '#2ca02c'] } } },
        });
      }
      return { ...base('Throughput per mode (per second) with the broker ceilings'), layer: layers, resolve: { scale: { color: 'independent' } } };
    },
  },
  {
    file: 'lag.svg',
    title: 'order-persistence consumer lag over time at the steady rate',
    spec(run) {
      if (!run.steady?.lag.length) return null;
      return {
        ...base(`order-persistence consumer lag at ${run.steady.ratePerSecond} orders/s`),
        data: { values: run.steady.lag },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 't', type: 'quantitative', title: 'seconds since the load started' }, y: { field: 'lag', type: 'quantitative', title: 'uncommitted events' } },
      };
    },
  },
  {
    file: 'scaling.svg',
    title: 'Scaling curve: order-persistence instances in one group',
    spec(run) {
      const points = run.scaling?.points ?? [];
      const one = points.find((p) => p.instances === 1)?.eventsPerSecond;
      if (!points.length) return null;
      const values = points.flatMap((p) => [
        { instances: p.instances, perSecond: p.eventsPerSecond, series: 'measured' },
        ...(one ? [{ instances: p.instances, perSecond: one * p.instances, series: 'linear (n × one instance)' }] : []),
      ]);
      return {
        ...base('Scaling: order-persistence instances in one group'),
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'instances', type: 'quantitative', scale: { domain: [0, Math.max(...points.map((p) => p.instances)) + 0.5] }, axis: { tickMinStep: 1 } },
          y: { field: 'perSecond', type: 'quantitative', title: 'events/s' },
          color: { field: 'series', type: 'nominal' },
          strokeDash: { field: 'series', type: 'nominal' },
        },
      };
    },
  },
];

/** Renders a Vega-Lite spec to an SVG string (vega and vega-lite are ESM-only: loaded on demand). */
export async function renderSvg(spec: Spec): Promise<string> {
  // vega-lite's types only resolve under node16/bundler resolution; its API here is one call.
  const vegaLiteModule: string = 'vega-lite';
  const vegaLite = (await import(vegaLiteModule)) as { compile(spec: unknown): { spec: import('vega').Spec } };
  const vega = await import('vega');
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
