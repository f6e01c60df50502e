/**
 * The one-command bench's pure parts: the quiet-machine check, the targets table, the report
 * and the chart specs, all from hand-built BenchRun values (no timing, nothing measured here).
 */
import { parseConsumerPerformance, parseProducerPerformance } from '../../bench/suite/broker';
import { CHARTS, latencyRows, throughputRows } from '../../bench/suite/charts';
import type { BenchRun, HttpLoad } from '../../bench/suite/model';
import { checkQuiet } from '../../bench/suite/quiet';
import { boundOf, renderReport, targetRows } from '../../bench/suite/render';
import { databaseBackend, labelOf } from '../../bench/suite/system';
import { parseArgs } from '../../bench/suite';

const load = (okPerSecond: number, p99Ms: number): HttpLoad => ({ okPerSecond, p50Ms: 2, p90Ms: 4, p97_5Ms: 6, p99Ms, maxMs: p99Ms * 2, non2xx: 0, errors: 0 });
const calm = { load1: 0.4, load5: 0.5, load15: 0.6 };

function goodRun(): BenchRun {
  return {
    at: '2026-11-30T15:00:00.000Z',
    quick: false,
    scenariosRequested: ['broker', 'api', 'persistence', 'steady', 'scaling', 'groups'],
    machine: { cores: 2, cpuModel: 'Test CPU', memoryGiB: 24 },
    versions: { node: 'v20.0.0', kafka: '4.2.1', ferretdb: 'FerretDB v1.24.0 (build ferretdb-abc)', databaseBackend: 'FerretDB (SQLite)', gitCommit: 'abc123' },
    loadAtStart: calm,
    scenarios: [
      { name: 'api', startedAt: '2026-11-30T15:00:00.000Z', seconds: 60, loadBefore: calm, loadAfter: calm, cpu: [{ process: 'node producer-api', cpuSeconds: 55, cores: 0.92 }] },
      { name: 'persistence', startedAt: '2026-11-30T15:01:00.000Z', seconds: 100, loadBefore: calm, loadAfter: calm, cpu: [{ process: 'ferretdb', cpuSeconds: 95, cores: 0.95 }, { process: 'bench (node)', cpuSeconds: 90, cores: 0.9 }] },
      { name: 'scaling', startedAt: '2026-11-30T15:03:00.000Z', seconds: 50, loadBefore: calm, loadAfter: calm, cpu: [{ process: 'node order-persistence', cpuSeconds: 10, cores: 0.2 }] },
    ],
    broker: {
      recordBytes: 700,
      topicPartitions: 6,
      compression: 'gzip',
      producer: { records: 200000, recordsPerSecond: 40000, mbPerSecond: 28, p50Ms: 20, p95Ms: 60, p99Ms: 90 },
      producerAtRate: { rate: 1000, records: 10000, p50Ms: 2, p95Ms: 3, p99Ms: 5 },
      consumer: { records: 210000, recordsPerSecond: 90000, mbPerSecond: 60 },
    },
    api: { durationS: 10, fixedRate: 1000, modes: { validate: { max: load(4400, 30), fixed: load(1000, 8) }, kafka: { max: load(4000, 31), fixed: load(1000, 12) }, direct: { max: load(1000, 500), fixed: load(970, 800) } } },
    persistence: { events: 50000, orders: 20000, ours: { eventsPerSecond: 6000, seconds: 8.3, writeCommands: 400, readCommands: 1000, documentsWritten: 30000, batches: 500 }, naive: { eventsPerSecond: 1000, seconds: 50, writeCommands: 50000 } },
    steady: { ratePerSecond: 1000, durationS: 60, achievedPerSecond: 999, orders: 60000, refused: 0, p50Ms: 20, p95Ms: 100, p99Ms: 250, maxMs: 400, lag: [{ t: 1, lag: 10 }, { t: 2, lag: 40 }, { t: 3, lag: 0 }] },
    scaling: { events: 30000, points: [{ instances: 1, eventsPerSecond: 2000, seconds: 15 }, { instances: 2, eventsPerSecond: 3000, seconds: 10 }, { instances: 3, eventsPerSecond: 3300, seconds: 9 }] },
    groups: [{ group: 'audit-service', unit: 'events', items: 10000, perSecond: 3000, seconds: 3.3, baseline: { label: 'broker consumer ceiling', perSecond: 90000 } }],
  };
}

describe('quiet-machine check', () => {
  it('passes a run whose baselines agree and whose load stayed low', () => {
    expect(checkQuiet(goodRun())).toEqual({ quiet: true, problems: [], limits: [] });
  });

  it('flags validate-only slower than kafka mode', () => {
    const run = goodRun();
    const bad: BenchRun = { ...run, api: { ...run.api!, modes: { ...run.api!.modes, validate: { max: load(3000, 30), fixed: load(1000, 8) } } } };
    const verdict = checkQuiet(bad);
    expect(verdict.quiet).toBe(false);
    expect(verdict.problems.join('\n')).toMatch(/validate-only \(3000\/s\) is slower than kafka mode \(4000\/s\)/);
  });

  it('flags a mode that answers non-2xx (a broken baseline, not a slow one)', () => {
    const run = goodRun();
    const verdict = checkQuiet({ ...run, api: { ...run.api!, modes: { ...run.api!.modes, validate: { max: { ...load(4400, 30), non2xx: 7 }, fixed: load(1000, 8) } } } });
    expect(verdict.problems).toContainEqual(expect.stringMatching(/^validate: 7 non-2xx answers/));
  });

  it('flags a start above 1.5 load per core and names the limit', () => {
    const verdict = checkQuiet({ ...goodRun(), loadAtStart: { load1: 3.2, load5: 2, load15: 1 } });
    expect(verdict.quiet).toBe(false);
    expect(verdict.problems[0]).toMatch(/3\.20 .*1\.5 per core \(3\.0 on 2 cores\)/);
  });

  it('accepts a load just at the limit', () => {
    expect(checkQuiet({ ...goodRun(), loadAtStart: { load1: 3.0, load5: 2, load15: 1 } }).quiet).toBe(true);
  });

  it('flags a busy scenario, a failed scenario and an API above the broker ceiling; a steady rate not reached is a limit, not a problem', () => {
    const run = goodRun();
    const verdict = checkQuiet({
      ...run,
      scenarios: [{ ...run.scenarios[0]!, loadBefore: { load1: 5, load5: 5, load15: 5 } }, { ...run.scenarios[1]!, error: 'boom' }],
      broker: { ...run.broker!, producer: { ...run.broker!.producer, recordsPerSecond: 3000 } },
      steady: { ...run.steady!, achievedPerSecond: 700 },
    });
    const text = verdict.problems.join('\n');
    expect(text).toMatch(/api: load average 5\.00 before/);
    expect(text).toMatch(/persistence: failed \(boom\)/);
    expect(text).toMatch(/beat the broker's own producer ceiling/);
    expect(text).not.toMatch(/steady state reached/);
    expect(verdict.limits).toEqual([expect.stringMatching(/steady state reached 700\/s of 1000\/s/)]);
  });

  it('keeps a quiet run quiet when an offered rate is not reached, and names the rate as a limit', () => {
    const run = goodRun();
    const verdict = checkQuiet({ ...run, api: { ...run.api!, modes: { ...run.api!.modes, kafka: { max: load(4000, 30), fixed: load(613, 900) } } } });
    expect(verdict).toEqual({ quiet: true, problems: [], limits: [expect.stringMatching(/^kafka: reached 613\/s of the fixed 1000\/s/)] });
  });
});

describe('targets table', () => {
  it('computes now / met from the run, per 1,000 events and as ratios', () => {
    const rows = Object.fromEntries(targetRows(goodRun()).map((r) => [r.metric, r]));
    expect(rows['order-persistence events/s per instance']).toMatchObject({ now: 6000, met: true });
    expect(rows['ours ÷ naive']).toMatchObject({ now: 6, met: true });
    expect(rows['write commands per 1,000 events']).toMatchObject({ now: 8, met: true });
    expect(rows['read commands per 1,000 events']).toMatchObject({ now: 20, met: false });
    expect(rows['accepted→persisted p99 at 1,000 orders/s']).toMatchObject({ now: 250, met: true });
    expect(rows['API p99 at 1,000 orders/s (kafka mode)']).toMatchObject({ now: 12, met: false });
    expect(rows['API max accepted/s ÷ broker producer ceiling']).toMatchObject({ now: 0.1, met: null });
    expect(rows['2 instances ÷ 1']).toMatchObject({ now: 1.5, met: false });
  });

  it('gives no latency at a rate the run did not reach', () => {
    const run = goodRun();
    const rows = targetRows({
      ...run,
      api: { ...run.api!, modes: { ...run.api!.modes, kafka: { max: load(4000, 31), fixed: load(0, 0) } } },
      steady: { ...run.steady!, achievedPerSecond: 111, p99Ms: 0 },
    });
    expect(rows.find((r) => r.scenario === 'api' && r.metric.startsWith('API p99'))).toMatchObject({ now: null, met: null });
    expect(rows.find((r) => r.scenario === 'steady')).toMatchObject({ now: null, met: null });
  });

  it('marks targets of scenarios not run as not measured', () => {
    const { persistence: _p, ...rest } = goodRun();
    const row = targetRows(rest as BenchRun).find((r) => r.metric === 'ours ÷ naive')!;
    expect(row).toMatchObject({ now: null, met: null });
    expect(renderReport(rest as BenchRun)).toMatch(/\| ours ÷ naive \| — \| ≥ 5× \| not measured \|/);
  });
});

describe('what bounds a scenario', () => {
  it('names a saturated machine, a saturated single process, or no saturation', () => {
    const run = goodRun();
    expect(boundOf(run.scenarios[1], 2)).toMatch(/machine CPU saturated: 1\.85 of 2 cores busy \(ferretdb 0\.95/);
    expect(boundOf(run.scenarios[0], 2)).toMatch(/node producer-api saturated one core/);
    expect(boundOf(run.scenarios[2], 2)).toMatch(/no process saturated/);
    expect(boundOf(undefined, 2)).toBe('scenario not run');
    expect(boundOf({ ...run.scenarios[1]!, loadBefore: { load1: 20, load5: 20, load15: 20 } }, 2)).toMatch(/not determinable: the machine was busy with other work \(load 20\.00 on 2 cores/);
  });
});

describe('report', () => {
  it('renders machine, versions, targets, ratios to the same-run baselines and the charts', () => {
    const md = renderReport(goodRun());
    expect(md).toMatch(/Quiet-machine check: passed/);
    expect(md).not.toMatch(/NOT A QUIET RUN/);
    expect(md).toMatch(/2 cores, Test CPU, 24 GiB/);
    expect(md).toMatch(/Kafka 4\.2\.1/);
    expect(md).toMatch(/backend FerretDB \(SQLite\)/);
    expect(md).toMatch(/commit abc123/);
    // kafka ÷ validate = 4000 / 4400, kafka ÷ broker = 4000 / 40000
    expect(md).toMatch(/\| kafka \| 4,000 \| 0\.91× \| 0\.1× \|/);
    // ours ÷ naive
    expect(md).toMatch(/\| order-persistence \| \*\*6,000\*\* \| \*\*6×\*\*/);
    // scaling ratios to one instance
    expect(md).toMatch(/\| 2 \| 3,000 \| 1\.5× \|/);
    expect(md).toMatch(/\| read commands per 1,000 events \| 20 \| ≤ 10 \| ❌ no \| machine CPU saturated/);
    for (const c of CHARTS) expect(md).toContain(`(charts/${c.file})`);
  });

  it('puts a loud banner with every problem on a run that is not quiet', () => {
    const md = renderReport({ ...goodRun(), loadAtStart: { load1: 9, load5: 9, load15: 9 } });
    expect(md.split('\n')[2]).toMatch(/NOT A QUIET RUN/);
    expect(md).toMatch(/> - load average 9\.00 at the start/);
  });
});

describe('chart specs', () => {
  it('builds one Vega-Lite spec per chart with the run\'s data and the broker ceilings as rules', () => {
    const run = goodRun();
    const specs = Object.fromEntries(CHARTS.map((c) => [c.file, c.spec(run)]));
    expect(Object.keys(specs).sort()).toEqual(['lag.svg', 'latency.svg', 'scaling.svg', 'throughput.svg']);
    expect(JSON.stringify(specs['lag.svg'])).toContain('"lag":40');
    const throughput = specs['throughput.svg'] as { layer: Array<{ mark: { type: string }; data: { values: Array<{ perSecond: number }> } }> };
    expect(throughput.layer[1]!.mark.type).toBe('rule');
    expect(throughput.layer[1]!.data.values.map((v) => v.perSecond)).toEqual([40000, 90000]);
    const scaling = JSON.stringify(specs['scaling.svg']);
    expect(scaling).toContain('"perSecond":6000'); // linear reference: 3 × one instance
  });

  it('has latency rows per mode and percentile, throughput rows per mode', () => {
    const rows = latencyRows(goodRun());
    expect(rows).toContainEqual({ mode: 'API kafka @1000/s', percentile: 'p99', ms: 12 });
    expect(rows).toContainEqual({ mode: 'accepted→persisted @1000/s', percentile: 'p95', ms: 100 });
    expect(throughputRows(goodRun()).map((r) => r.mode)).toEqual(['API validate', 'API kafka', 'API direct', 'order-persistence', 'naive consumer', 'order-persistence ×1', 'order-persistence ×2', 'order-persistence ×3', 'audit-service']);
  });

  it('leaves out charts whose scenario did not run', () => {
    const { steady: _s, scaling: _c, ...rest } = goodRun();
    expect(CHARTS.find((c) => c.file === 'lag.svg')!.spec(rest as BenchRun)).toBeNull();
    expect(CHARTS.find((c) => c.file === 'scaling.svg')!.spec(rest as BenchRun)).toBeNull();
  });
});

describe('tool output and arguments', () => {
  it('parses ProducerPerformance\'s summary line', () => {
    const out = '5000 records sent, 1000.0 records/sec (0.70 MB/sec), 3.1 ms avg latency, 40.0 ms max latency.\n20000 records sent, 41234.5 records/sec (28.85 MB/sec), 120.50 ms avg latency, 410.00 ms max latency, 98 ms 50th, 300 ms 95th, 380 ms 99th, 405 ms 99.9th.\n';
    expect(parseProducerPerformance(out)).toEqual({ records: 20000, recordsPerSecond: 41235, mbPerSecond: 28.85, p50Ms: 98, p95Ms: 300, p99Ms: 380 });
    expect(() => parseProducerPerformance('nothing')).toThrow(/no summary line/);
  });

  it('parses ConsumerPerformance\'s CSV, preferring the fetch rate (without the group join)', () => {
    const out = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n2026-11-30 15:00:00:000, 2026-11-30 15:00:04:000, 14.0, 3.5, 20000, 5000.0, 3000, 1000, 14.0, 20000.0\n';
    expect(parseConsumerPerformance(out)).toEqual({ records: 20000, recordsPerSecond: 20000, mbPerSecond: 14 });
  });

  it('labels processes by what they run', () => {
    expect(labelOf('/x/ferretdb-abc -listen 127.0.0.1:1', 5, 1)).toBe('ferretdb');
    expect(labelOf('java -cp libs/* kafka.Kafka server.properties', 5, 1)).toBe('kafka broker');
    expect(labelOf('node --import tsx apps/order-persistence/src/main.ts', 5, 1)).toBe('node order-persistence');
    expect(labelOf('anything', 1, 1)).toMatch(/^bench/);
  });

  it('reads the database backend from the infra, else defaults to FerretDB (SQLite)', () => {
    expect(databaseBackend(undefined, {})).toBe('FerretDB (SQLite)');
    expect(databaseBackend('FerretDB v1 (PostgreSQL)', {})).toBe('FerretDB v1 (PostgreSQL)');
    expect(databaseBackend('ferretdb', {})).toBe('FerretDB (SQLite)');
    expect(databaseBackend(undefined, { MEDLIVES_FERRET_BACKEND: 'postgresql' })).toBe('FerretDB (postgresql)');
  });

  it('parses scenarios and options, refusing unknown ones', () => {
    expect(parseArgs(['--quick', 'api'])).toEqual({ quick: true, strict: false, scenarios: ['api'] });
    expect(parseArgs([]).scenarios).toContain('broker');
    expect(() => parseArgs(['apii'])).toThrow(/unknown scenario apii/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast/);
  });
});
