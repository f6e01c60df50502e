/**
 * bench/report.md from one BenchRun: every figure next to its same-run baseline as a ratio, the
 * issue's targets with now / target / met and, where one is missed, what bounded it (the CPU
 * each process used during that scenario). Pure: no I/O, no clock.
 */
import type { ProfileSummary } from './profile';
import type { BenchRun, CpuShare, ScenarioRecord } from './model';
import { checkQuiet } from './quiet';
import { fmt, fmtRatio, ratio } from './util';
import { CHARTS } from './charts';

export interface TargetRow {
  readonly metric: string;
  readonly now: number | null;
  readonly unit: string;
  readonly target: string;
  /** null: no target (report only) or not measured in this run. */
  readonly met: boolean | null;
  readonly scenario: string;
}

export function targetRows(run: BenchRun): TargetRow[] {
  const p = run.persistence;
  const per1000 = (n: number | undefined) => (p && n !== undefined ? Number(((n / p.events) * 1000).toFixed(2)) : null);
  const one = run.scaling?.points.find((x) => x.instances === 1)?.eventsPerSecond;
  const two = run.scaling?.points.find((x) => x.instances === 2)?.eventsPerSecond;
  const atLeast = (v: number | null, t: number) => (v === null ? null : v >= t);
  const atMost = (v: number | null, t: number) => (v === null ? null : v <= t);
  const eps = p?.ours.eventsPerSecond ?? null;
  const speedup = ratio(p?.ours.eventsPerSecond, p?.naive.eventsPerSecond, 1);
  const writes = per1000(p?.ours.writeCommands);
  const reads = per1000(p?.ours.readCommands);
  // a latency at a rate the run did not reach is not a latency at that rate
  const steadyOk = run.steady && run.steady.orders > 0 && run.steady.achievedPerSecond >= run.steady.ratePerSecond * 0.9;
  const e2e = steadyOk ? run.steady!.p99Ms : null;
  const apiOk = run.api && run.api.modes.kafka.fixed.okPerSecond >= run.api.fixedRate * 0.9;
  const apiP99 = apiOk ? run.api!.modes.kafka.fixed.p99Ms : null;
  const apiVsBroker = ratio(run.api?.modes.kafka.max.okPerSecond, run.broker?.producer.recordsPerSecond);
  const scale = ratio(two, one);
  return [
    { metric: 'order-persistence events/s per instance', now: eps, unit: '/s', target: '≥ 5,000', met: atLeast(eps, 5000), scenario: 'persistence' },
    { metric: 'ours ÷ naive', now: speedup, unit: '×', target: '≥ 5×', met: atLeast(speedup, 5), scenario: 'persistence' },
    { metric: 'write commands per 1,000 events', now: writes, unit: '', target: '≤ 10', met: atMost(writes, 10), scenario: 'persistence' },
    { metric: 'read commands per 1,000 events', now: reads, unit: '', target: '≤ 10', met: atMost(reads, 10), scenario: 'persistence' },
    { metric: `accepted→persisted p99 at ${fmt(run.steady?.ratePerSecond ?? 1000)} orders/s`, now: e2e, unit: ' ms', target: '≤ 300 ms', met: atMost(e2e, 300), scenario: 'steady' },
    { metric: `API p99 at ${fmt(run.api?.fixedRate ?? 1000)} orders/s (kafka mode)`, now: apiP99, unit: ' ms', target: '≤ 10 ms', met: atMost(apiP99, 10), scenario: 'api' },
    { metric: 'API max accepted/s ÷ broker producer ceiling', now: apiVsBroker, unit: '×', target: 'report it', met: null, scenario: 'api' },
    { metric: '2 instances ÷ 1', now: scale, unit: '×', target: '≥ 1.8×', met: atLeast(scale, 1.8), scenario: 'scaling' },
  ];
}

/** What bounded a scenario, read from the CPU each process used during it (not a guess). */
export function boundOf(record: ScenarioRecord | undefined, cores: number): string {
  if (!record) return 'scenario not run';
  if (!record.cpu.length) return 'no CPU profile recorded';
  if (record.loadBefore.load1 > 1.5 * cores) {
    return `not determinable: the machine was busy with other work (load ${record.loadBefore.load1.toFixed(2)} on ${cores} cores before the scenario)`;
  }
  const sorted = [...record.cpu].sort((a, b) => b.cores - a.cores);
  const top = sorted[0]!;
  const total = sorted.reduce((n, s) => n + s.cores, 0);
  const list = sorted.slice(0, 3).map((s) => `${s.process} ${s.cores.toFixed(2)}`).join(', ');
  if (total >= 0.85 * cores) return `machine CPU saturated: ${total.toFixed(2)} of ${cores} cores busy (${list})`;
  if (top.cores >= 0.85) return `${top.process} saturated one core (${top.cores.toFixed(2)} cores; single event loop / thread)`;
  return `no process saturated (${total.toFixed(2)} of ${cores} cores busy: ${list}): waiting on round trips, not CPU`;
}

/** The scenario each profiled process bounds. */
const PROFILED_SCENARIO: Record<string, string> = { FerretDB: 'persistence', 'producer-api': 'api' };

/** The CPU profiles taken during the run: where the bounding process spends its CPU. */
export function renderProfiles(profiles: readonly ProfileSummary[] | undefined): string[] {
  if (!profiles?.length) return [];
  const out = ['## Profiles', '', 'Where the CPU of the process that bounds a missed target goes, profiled during this run.', ''];
  for (const p of profiles) {
    out.push(`**${p.process}**, during ${p.during}: ${p.tool}; ${fmt(p.busySeconds, 1)} CPU s sampled${p.msPerItem !== undefined ? `, ${fmt(p.msPerItem, 3)} CPU ms per request` : ''}.`, '');
    out.push('| where | share of busy CPU |', '|---|---:|');
    for (const l of p.lines) out.push(`| ${l.what} | ${l.percent.toFixed(1)} % |`);
    out.push('');
  }
  return out;
}

function loadText(l: { load1: number; load5: number; load15: number }): string {
  return `${l.load1.toFixed(2)} / ${l.load5.toFixed(2)} / ${l.load15.toFixed(2)}`;
}

function cpuText(cpu: readonly CpuShare[]): string {
  return [...cpu].sort((a, b) => b.cores - a.cores).filter((c) => c.cpuSeconds >= 0.05).map((c) => `${c.process} ${c.cores.toFixed(2)}`).join(', ') || '—';
}

export function renderReport(run: BenchRun): string {
  const verdict = checkQuiet(run);
  const out: string[] = [];
  const scenario = (name: string) => run.scenarios.find((s) => s.name === name);
  out.push('# MedLives benchmark report', '');
  if (verdict.quiet) {
    out.push('**Quiet-machine check: passed.** The run started below 1.5 load per core and its baselines agree with each other.', '');
  } else {
    out.push('> ## ⚠️ NOT A QUIET RUN — THESE NUMBERS ARE INDICATIVE ONLY', '>', '> The quiet-machine check found:', '>');
    for (const p of verdict.problems) out.push(`> - ${p}`);
    out.push('', 'Re-run `npm run bench` on an idle machine before quoting any figure below.', '');
  }
  if (verdict.limits.length) {
    out.push('**Offered rates not reached** (what the platform does on this machine, not noise; the latencies measured at these rates are marked not comparable):', '');
    for (const l of verdict.limits) out.push(`- ${l}`);
    out.push('');
  }
  out.push(
    `Run ${run.at}${run.quick ? ' with `--quick` (small sizes, same code paths: for development, not for quoting)' : ''}; scenarios: ${run.scenariosRequested.join(', ')}.`,
    '',
    '| machine | versions |',
    '|---|---|',
    `| ${run.machine.cores} cores, ${run.machine.cpuModel}, ${run.machine.memoryGiB} GiB | Node ${run.versions.node}, Kafka ${run.versions.kafka}, ${run.versions.ferretdb}, backend ${run.versions.databaseBackend}, commit ${run.versions.gitCommit} |`,
    '',
    `Load average (1 / 5 / 15 min) at the start: ${loadText(run.loadAtStart)}.`,
    '',
  );

  out.push('## Targets', '', '| metric | now | target | met | what bounds it (CPU per process during the scenario, in cores) |', '|---|---:|---|---|---|');
  for (const t of targetRows(run)) {
    const now = t.now === null ? '—' : `${fmt(t.now, 2)}${t.unit}`;
    const ran = (t.scenario === 'api' && run.api) || (t.scenario === 'steady' && run.steady);
    const met = t.met === null ? (t.now === null ? (ran ? 'not comparable (rate not reached)' : 'not measured') : '—') : t.met ? '✅ yes' : '❌ no';
    const profiled = run.profiles?.some((p) => PROFILED_SCENARIO[p.process] === t.scenario);
    const bound = t.met === false ? `${boundOf(scenario(t.scenario), run.machine.cores)}${profiled ? '; where that CPU goes: see Profiles' : ''}` : '';
    out.push(`| ${t.metric} | ${now} | ${t.target} | ${met} | ${bound} |`);
  }
  out.push('');
  out.push(...renderProfiles(run.profiles));

  out.push('## Charts', '');
  for (const c of CHARTS) out.push(`![${c.title}](charts/${c.file})`, '');

  const b = run.broker;
  if (b) {
    out.push(
      '## Broker ceiling (Kafka\'s own ProducerPerformance / ConsumerPerformance)',
      '',
      `Same jars as the broker, records of ${b.recordBytes} bytes (the API's order.created envelope), one topic of ${b.topicPartitions} partitions, ${b.compression} compression, acks=all, idempotent producer.`,
      '',
      '| measure | records | records/s | MB/s | p50 | p95 | p99 |',
      '|---|---:|---:|---:|---:|---:|---:|',
      `| producer, as fast as it goes | ${fmt(b.producer.records)} | **${fmt(b.producer.recordsPerSecond)}** | ${fmt(b.producer.mbPerSecond, 2)} | ${fmt(b.producer.p50Ms)} ms | ${fmt(b.producer.p95Ms)} ms | ${fmt(b.producer.p99Ms)} ms |`,
      `| producer at ${fmt(b.producerAtRate.rate)}/s | ${fmt(b.producerAtRate.records)} | ${fmt(b.producerAtRate.rate)} | | ${fmt(b.producerAtRate.p50Ms)} ms | ${fmt(b.producerAtRate.p95Ms)} ms | ${fmt(b.producerAtRate.p99Ms)} ms |`,
      `| consumer (one, fetch only) | ${fmt(b.consumer.records)} | **${fmt(b.consumer.recordsPerSecond)}** | ${fmt(b.consumer.mbPerSecond, 2)} | | | |`,
      '',
    );
  }

  const api = run.api;
  if (api) {
    const v = api.modes.validate;
    out.push(
      '## API ingest',
      '',
      `${api.durationS} s per measurement, 64 connections; the API in its own process, autocannon in the bench process. Baselines: validate-only (same request, no write) and the broker's producer ceiling / its latency at ${fmt(api.fixedRate)}/s.`,
      '',
      `| mode | max accepted/s | ÷ validate | ÷ broker ceiling | at ${fmt(api.fixedRate)}/s: p50 | p90 | p97.5 | p99 | p99 ÷ broker p99 at that rate | non-2xx |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const mode of ['validate', 'kafka', 'direct'] as const) {
      const r = api.modes[mode];
      out.push(
        `| ${mode} | ${fmt(r.max.okPerSecond)} | ${fmtRatio(ratio(r.max.okPerSecond, v.max.okPerSecond))} | ${fmtRatio(ratio(r.max.okPerSecond, b?.producer.recordsPerSecond))} | ${r.fixed.p50Ms} ms | ${r.fixed.p90Ms} ms | ${r.fixed.p97_5Ms} ms | ${r.fixed.p99Ms} ms | ${fmtRatio(ratio(r.fixed.p99Ms, b?.producerAtRate.p99Ms))} | ${r.max.non2xx + r.fixed.non2xx} |`,
      );
    }
    out.push('');
  }

  const p = run.persistence;
  if (p) {
    const per1000 = (n: number) => fmt((n / p.events) * 1000, 2);
    out.push(
      '## Persistence drain (order-persistence vs naive)',
      '',
      `${fmt(p.events)} preloaded events (${fmt(p.orders)} orders) drained by each consumer in turn (one instance, in the bench process). Baselines: the naive insert-per-event consumer and the broker's consumer ceiling.`,
      '',
      '| consumer | events/s | ÷ naive | ÷ broker consumer ceiling | drain | write cmds / 1,000 events | read cmds / 1,000 events | documents written |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      `| order-persistence | **${fmt(p.ours.eventsPerSecond)}** | **${fmtRatio(ratio(p.ours.eventsPerSecond, p.naive.eventsPerSecond, 1))}** | ${fmtRatio(ratio(p.ours.eventsPerSecond, b?.consumer.recordsPerSecond, 3))} | ${p.ours.seconds.toFixed(1)} s | ${per1000(p.ours.writeCommands)} | ${per1000(p.ours.readCommands)} | ${fmt(p.ours.documentsWritten)} |`,
      `| naive (insertOne per event) | ${fmt(p.naive.eventsPerSecond)} | 1× | ${fmtRatio(ratio(p.naive.eventsPerSecond, b?.consumer.recordsPerSecond, 3))} | ${p.naive.seconds.toFixed(1)} s | ${per1000(p.naive.writeCommands)} | 0 | ${fmt(p.events)} |`,
      '',
    );
  }

  const s = run.steady;
  if (s) {
    const maxLag = s.lag.reduce((m, x) => Math.max(m, x.lag), 0);
    const apiP99 = api?.modes.kafka.fixed.p99Ms;
    out.push(
      `## Steady state end to end at ${fmt(s.ratePerSecond)} orders/s`,
      '',
      `${s.durationS} s of POST /orders at a fixed ${fmt(s.ratePerSecond)}/s (achieved ${fmt(s.achievedPerSecond)}/s, ${fmt(s.orders)} orders, ${s.refused} refused or shed — at most 256 requests in flight); latency = the order's 202 to the worker's first write of it (same clock). Consumer lag of order-persistence sampled every second (chart). Baseline: the API's own p99 at the same rate.`,
      '',
      '| accepted→persisted | p50 | p95 | p99 | max | p99 ÷ API p99 at that rate | max lag |',
      '|---|---:|---:|---:|---:|---:|---:|',
      `| order-persistence | ${fmt(s.p50Ms)} ms | ${fmt(s.p95Ms)} ms | **${fmt(s.p99Ms)} ms** | ${fmt(s.maxMs)} ms | ${fmtRatio(ratio(s.p99Ms, apiP99, 1))} | ${fmt(maxLag)} events |`,
      '',
    );
  }

  const sc = run.scaling;
  if (sc) {
    const one = sc.points.find((x) => x.instances === 1)?.eventsPerSecond;
    out.push(
      '## Consumer scaling (order-persistence instances in one group)',
      '',
      `${fmt(sc.events)} preloaded events per point; each instance is its own process (\`apps/order-persistence/src/main.ts\`), a fresh group per point. Baseline: one instance.`,
      '',
      '| instances | events/s | ÷ 1 instance | drain |',
      '|---:|---:|---:|---:|',
      ...sc.points.map((x) => `| ${x.instances} | ${fmt(x.eventsPerSecond)} | ${fmtRatio(ratio(x.eventsPerSecond, one))} | ${x.seconds.toFixed(1)} s |`),
      '',
    );
  }

  const g = run.groups;
  if (g?.length) {
    out.push('## Other consumer groups', '', 'One instance each, draining a preloaded backlog of its own topics.', '', '| group | items | per second | baseline (same run) | ratio | note |', '|---|---:|---:|---|---:|---|');
    for (const x of g) {
      out.push(`| ${x.group} | ${fmt(x.items)} ${x.unit} | ${fmt(x.perSecond)} | ${x.baseline.label}: ${fmt(x.baseline.perSecond, 2)}/s | ${fmtRatio(ratio(x.perSecond, x.baseline.perSecond))} | ${x.note ?? ''} |`);
    }
    out.push('');
  }

  out.push(
    '## Scenarios: time, load, CPU per process',
    '',
    'CPU is read from `/proc/<pid>/stat` (utime + stime) of Kafka, FerretDB and every process the bench started, before and after each scenario; "cores" is CPU seconds ÷ wall seconds (1.00 = one core busy throughout).',
    '',
    '| scenario | took | load before (1/5/15) | load after | CPU, cores | status |',
    '|---|---:|---|---|---|---|',
    ...run.scenarios.map((x) => `| ${x.name} | ${x.seconds.toFixed(0)} s | ${loadText(x.loadBefore)} | ${loadText(x.loadAfter)} | ${cpuText(x.cpu)} | ${x.error ? `failed: ${x.error}` : 'ok'} |`),
    '',
    `Raw numbers: \`bench/results/${run.at.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.json\`.`,
    '',
  );
  return out.join('\n');
}
