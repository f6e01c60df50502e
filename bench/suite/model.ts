/**
 * The shape of one `npm run bench` run: bench/results/<timestamp>.json holds exactly this, and
 * bench/report.md and the charts are rendered from it by pure functions (bench/suite/render.ts,
 * bench/suite/charts.ts), so the report can be re-rendered and unit-tested without running anything.
 */
import type { ProfileSummary } from './profile';

export interface LoadAverage {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
}

/** CPU time one process (or one kind of process) used during a scenario, from /proc/<pid>/stat. */
export interface CpuShare {
  readonly process: string;
  readonly cpuSeconds: number;
  /** cpuSeconds ÷ wall seconds: 1.0 = one core busy the whole scenario. */
  readonly cores: number;
}

export interface ScenarioRecord {
  readonly name: string;
  readonly startedAt: string;
  readonly seconds: number;
  readonly loadBefore: LoadAverage;
  readonly loadAfter: LoadAverage;
  readonly cpu: readonly CpuShare[];
  readonly error?: string;
}

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
}

export interface Versions {
  readonly node: string;
  readonly kafka: string;
  readonly ferretdb: string;
  readonly databaseBackend: string;
  readonly gitCommit: string;
}

export interface HttpLoad {
  readonly okPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p97_5Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
}

export type ApiMode = 'validate' | 'kafka' | 'direct';

export interface ApiResult {
  readonly durationS: number;
  readonly fixedRate: number;
  readonly modes: Readonly<Record<ApiMode, { readonly max: HttpLoad; readonly fixed: HttpLoad }>>;
}

export interface BrokerResult {
  readonly recordBytes: number;
  readonly topicPartitions: number;
  readonly compression: string;
  readonly producer: { readonly records: number; readonly recordsPerSecond: number; readonly mbPerSecond: number; readonly p50Ms: number; readonly p95Ms: number; readonly p99Ms: number };
  /** The same producer held at the steady-state rate: the latency floor for the API at that rate. */
  readonly producerAtRate: { readonly rate: number; readonly records: number; readonly p50Ms: number; readonly p95Ms: number; readonly p99Ms: number };
  readonly consumer: { readonly records: number; readonly recordsPerSecond: number; readonly mbPerSecond: number };
}

export interface PersistenceResult {
  readonly events: number;
  readonly orders: number;
  readonly ours: { readonly eventsPerSecond: number; readonly seconds: number; readonly writeCommands: number; readonly readCommands: number; readonly documentsWritten: number; readonly batches: number };
  readonly naive: { readonly eventsPerSecond: number; readonly seconds: number; readonly writeCommands: number };
}

export interface LagPoint {
  readonly t: number;
  readonly lag: number;
}

export interface SteadyResult {
  readonly ratePerSecond: number;
  readonly durationS: number;
  readonly achievedPerSecond: number;
  readonly orders: number;
  readonly refused: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly lag: readonly LagPoint[];
}

export interface ScalingPoint {
  readonly instances: number;
  readonly eventsPerSecond: number;
  readonly seconds: number;
}

export interface ScalingResult {
  readonly events: number;
  readonly points: readonly ScalingPoint[];
}

export interface GroupDrain {
  readonly group: string;
  readonly unit: string;
  readonly items: number;
  readonly perSecond: number;
  readonly seconds: number;
  /** The same-run figure this one is compared with. */
  readonly baseline: { readonly label: string; readonly perSecond: number };
  readonly note?: string;
}

export interface BenchRun {
  readonly at: string;
  readonly quick: boolean;
  readonly scenariosRequested: readonly string[];
  readonly machine: Machine;
  readonly versions: Versions;
  readonly loadAtStart: LoadAverage;
  readonly scenarios: readonly ScenarioRecord[];
  readonly broker?: BrokerResult;
  readonly api?: ApiResult;
  readonly persistence?: PersistenceResult;
  readonly steady?: SteadyResult;
  readonly scaling?: ScalingResult;
  readonly groups?: readonly GroupDrain[];
  /** CPU profiles taken during the run (bench/suite/profile.ts): what bounds the missed targets. */
  readonly profiles?: readonly ProfileSummary[];
}
