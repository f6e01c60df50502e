/**
 * The broker ceiling on this machine, measured by Kafka's own tools from the same release as the
 * broker: org.apache.kafka.tools.ProducerPerformance and ConsumerPerformance (kafka-tools jar,
 * fetched once from Maven Central into the Kafka cache next to the broker's jars, like
 * scripts/infra/kafka.ts does). Records are real order.created envelopes as the API publishes
 * them, on a topic with order-events' partitions and codec.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { encodeEvent } from '@medlives/events';
import { sampleEvent } from '@medlives/testkit';
import { TOPICS } from '@medlives/topology';
import { CACHE_DIR, INFRA_SRC } from '../../scripts/infra/paths';
import { KAFKA_VERSION } from '../../scripts/infra/kafka';
import { run as runTool } from '../../scripts/infra/proc';
import type { BrokerResult } from './model';

const TOOLS_HOME = join(CACHE_DIR, 'kafka', KAFKA_VERSION, 'bench-tools');
const TOOLS_LIBS = join(TOOLS_HOME, 'libs');

export async function ensureKafkaTools(log: (s: string) => void): Promise<string> {
  if (existsSync(join(TOOLS_LIBS, '.complete'))) return TOOLS_LIBS;
  log(`fetching kafka-tools ${KAFKA_VERSION} (ProducerPerformance / ConsumerPerformance) from Maven Central into ${TOOLS_LIBS}`);
  mkdirSync(TOOLS_HOME, { recursive: true });
  copyFileSync(join(__dirname, '..', 'kafka-tools', 'pom.xml'), join(TOOLS_HOME, 'pom.xml'));
  await runTool('mvn', ['-q', '-B', `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${TOOLS_LIBS}`], { cwd: TOOLS_HOME });
  writeFileSync(join(TOOLS_LIBS, '.complete'), new Date().toISOString());
  return TOOLS_LIBS;
}

/** Runs one Kafka tool class; resolves with its stdout. */
function java(libs: string, mainClass: string, args: string[], onLine: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xms128m', '-Xmx512m', `-Dlog4j2.configurationFile=${join(INFRA_SRC, 'kafka', 'log4j2.properties')}`, '-cp', `${libs}/*`, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line.trim());
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${mainClass} exited ${code}: ${err.slice(-800)}`))));
  });
}

export interface ProducerSummary {
  records: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** The last summary line of ProducerPerformance ("N records sent, X records/sec (Y MB/sec), … 50th, … 95th, … 99th, …"). */
export function parseProducerPerformance(stdout: string): ProducerSummary {
  const lines = stdout.split('\n').filter((l) => /records sent/.test(l) && /50th/.test(l));
  const line = lines[lines.length - 1];
  if (!line) throw new Error(`no summary line in ProducerPerformance output: ${stdout.slice(-400)}`);
  const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? NaN);
  return {
    records: num(/^(\d+) records sent/),
    recordsPerSecond: Math.round(num(/([\d.]+) records\/sec/)),
    mbPerSecond: num(/\(([\d.]+) MB\/sec\)/),
    p50Ms: num(/(\d+) ms 50th/),
    p95Ms: num(/(\d+) ms 95th/),
    p99Ms: num(/(\d+) ms 99th/),
  };
}

/** ConsumerPerformance's CSV line; fetch.nMsg.sec excludes the group join (rebalance.time.ms). */
export function parseConsumerPerformance(stdout: string): { records: number; recordsPerSecond: number; mbPerSecond: number } {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  if (header < 0 || !lines[header + 1]) throw new Error(`no result line in ConsumerPerformance output: ${stdout.slice(-400)}`);
  const names = lines[header]!.split(',').map((s) => s.trim());
  const values = lines[lines.length - 1]!.split(',').map((s) => s.trim());
  const get = (n: string) => Number(values[names.indexOf(n)]);
  const fetchRate = get('fetch.nMsg.sec');
  return {
    records: get('data.consumed.in.nMsg'),
    recordsPerSecond: Math.round(Number.isFinite(fetchRate) && fetchRate > 0 ? fetchRate : get('nMsg.sec')),
    mbPerSecond: Number((Number.isFinite(get('fetch.MB.sec')) ? get('fetch.MB.sec') : get('MB.sec')).toFixed(2)),
  };
}

export interface BrokerOptions {
  readonly brokers: string;
  readonly admin: Admin;
  readonly prefix: string;
  readonly records: number;
  readonly rate: number;
  readonly rateSeconds: number;
  readonly progress: (line: string) => void;
}

export async function measureBroker(o: BrokerOptions): Promise<BrokerResult> {
  const libs = await ensureKafkaTools(o.progress);
  const spec = TOPICS.orderEvents;
  const topic = `${o.prefix}broker-ceiling`;
  const payloadFile = join(TOOLS_HOME, `payload-${process.pid}.txt`);
  const payloads = Array.from({ length: 500 }, (_, i) => {
    const { message } = encodeEvent(sampleEvent('order.created', { tenantCode: `pharma-${String(i % 24).padStart(3, '0')}`, orderId: `ord-${i}` }), { prefix: '' });
    return String(message.value);
  });
  writeFileSync(payloadFile, payloads.join('\n'));
  const recordBytes = Math.round(payloads.reduce((n, p) => n + Buffer.byteLength(p), 0) / payloads.length);
  await o.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: spec.partitions, replicationFactor: 1, configEntries: [{ name: 'compression.type', value: spec.compression }] }] });
  const props = ['--command-property', `bootstrap.servers=${o.brokers}`, 'acks=all', 'enable.idempotence=true', `compression.type=${spec.compression}`, 'linger.ms=5'];
  const producerArgs = (records: number, rate: number) => ['--topic', topic, '--num-records', String(records), '--throughput', String(rate), '--payload-file', payloadFile, '--reporting-interval', '5000', ...props];
  try {
    o.progress(`ProducerPerformance: ${o.records} records of ~${recordBytes} B, as fast as the broker takes them`);
    const producer = parseProducerPerformance(await java(libs, 'org.apache.kafka.tools.ProducerPerformance', producerArgs(o.records, -1), (l) => o.progress(`  producer: ${l}`)));
    const atRateRecords = o.rate * o.rateSeconds;
    o.progress(`ProducerPerformance: ${atRateRecords} records at ${o.rate}/s (latency floor at the steady rate)`);
    const atRate = parseProducerPerformance(await java(libs, 'org.apache.kafka.tools.ProducerPerformance', producerArgs(atRateRecords, o.rate), (l) => o.progress(`  producer@rate: ${l}`)));
    const total = o.records + atRateRecords;
    o.progress(`ConsumerPerformance: ${total} records`);
    const consumer = parseConsumerPerformance(
      await java(libs, 'org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', o.brokers, '--topic', topic, '--num-records', String(total), '--group', `${o.prefix}broker-ceiling`, '--timeout', '120000'], (l) => o.progress(`  consumer: ${l}`)),
    );
    return {
      recordBytes,
      topicPartitions: spec.partitions,
      compression: spec.compression,
      producer,
      producerAtRate: { rate: o.rate, records: atRate.records, p50Ms: atRate.p50Ms, p95Ms: atRate.p95Ms, p99Ms: atRate.p99Ms },
      consumer,
    };
  } finally {
    await o.admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }
}
