import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '@medlives/kafka';
import { CACHE_DIR, HOST, INFRA_SRC, KAFKA_CONTROLLER_PORT, KAFKA_PORT, STATE_DIR } from './paths';
import { InfraError, logFile, portOpen, requireTool, run, runningPid, startDaemon, waitUntil } from './proc';

const POM = join(INFRA_SRC, 'kafka', 'pom.xml');
export const KAFKA_VERSION = /<kafka\.version>([^<]+)</.exec(readFileSync(POM, 'utf8'))?.[1] ?? 'unknown';
const HOME = join(CACHE_DIR, 'kafka', KAFKA_VERSION);
const LIBS = join(HOME, 'libs');
const STATE = join(STATE_DIR, `kafka-${KAFKA_VERSION}`);
const DATA = join(STATE, 'data');

export const kafkaBrokers = `${HOST}:${KAFKA_PORT}`;

/** Maven resolves the broker jars once; the `.complete` marker makes a half-finished download retry. */
async function ensureJars(log: (s: string) => void): Promise<void> {
  if (existsSync(join(LIBS, '.complete'))) return;
  await requireTool('mvn', ['-v'], 'install Maven (Debian: apt-get install -y maven) to fetch the Kafka jars');
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${LIBS}`);
  mkdirSync(HOME, { recursive: true });
  copyFileSync(POM, join(HOME, 'pom.xml'));
  await run('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${LIBS}`], { cwd: HOME });
  writeFileSync(join(LIBS, '.complete'), new Date().toISOString());
}

function serverProperties(): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${KAFKA_CONTROLLER_PORT}`,
    `listeners=PLAINTEXT://${HOST}:${KAFKA_PORT},CONTROLLER://${HOST}:${KAFKA_CONTROLLER_PORT}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${KAFKA_PORT}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${DATA}`,
    // Topics come from the topology only (MISSION §2): a typo must fail, not create a topic.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=5',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Tests join and leave groups constantly; the default 3 s delay would slow every join.
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function brokerAnswers(): Promise<boolean> {
  if (!(await portOpen(HOST, KAFKA_PORT))) return false;
  const admin = createKafka({ brokers: [kafkaBrokers], clientId: 'medlives-infra' }, { retries: 0 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface ServiceState {
  name: string;
  url: string;
  state: 'started' | 'reused' | 'external' | 'stopped';
  pid?: number;
  detail?: string;
}

export async function kafkaUp(log: (s: string) => void): Promise<ServiceState> {
  const pid = runningPid('kafka');
  if (pid !== undefined && (await brokerAnswers())) return { name: 'kafka', url: kafkaBrokers, state: 'reused', pid, detail: `Apache Kafka ${KAFKA_VERSION} (KRaft)` };
  if (pid === undefined && (await portOpen(HOST, KAFKA_PORT))) {
    if (await brokerAnswers()) return { name: 'kafka', url: kafkaBrokers, state: 'external', detail: 'a broker not started by medlives' };
    throw new InfraError(`port ${KAFKA_PORT} is taken by something that is not a Kafka broker; set MEDLIVES_KAFKA_PORT`);
  }
  await requireTool('java', ['-version'], 'install a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)');
  await ensureJars(log);
  mkdirSync(DATA, { recursive: true });
  const props = join(STATE, 'server.properties');
  writeFileSync(props, serverProperties());
  const log4j = join(INFRA_SRC, 'kafka', 'log4j2.properties');
  const jvm = ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${LIBS}/*`];
  if (!existsSync(join(DATA, 'meta.properties'))) {
    await run('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props], { cwd: HOME });
  }
  const started = startDaemon('kafka', 'java', [...jvm, 'kafka.Kafka', props], HOME);
  await waitUntil(`Kafka on ${kafkaBrokers}`, brokerAnswers, 90_000, logFile('kafka'));
  return { name: 'kafka', url: kafkaBrokers, state: 'started', pid: started, detail: `Apache Kafka ${KAFKA_VERSION} (KRaft)` };
}
