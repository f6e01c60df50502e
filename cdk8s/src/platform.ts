import { PROFILES, deployables, resolveTopics } from '@medlives/topology';
import { Chart, type App } from 'cdk8s';
import { appEnv, appFiles } from './app-env';
import { ConsumerWorker } from './consumer-worker';
import { HttpService } from './http-service';
import { KafkaCluster } from './kafka-cluster';
import { KafkaTopics } from './kafka-topics';
import { KafkaUi } from './kafka-ui';
import { KafkaAppUser, aclsFor } from './kafka-users';
import { MongoDb } from './mongodb';
import { Monitoring } from './monitoring';
import { DEFAULT_NAMESPACE, selectorLabels } from './names';
import { dnsEgress, kafkaEgress, mongoEgress } from './network';
import { PlatformConfig } from './platform-config';
import { POD_PLACEMENT_KEYS, type PlatformValues, type PodPlacementValues } from './values';

/** One output file: a cdk8s Chart, optionally switched by a boolean value (Helm renders an `if`). */
export interface PlatformChart {
  readonly file: string;
  readonly chart: Chart;
  /** Path in PlatformValues of the boolean that enables this chart. */
  readonly gate?: readonly string[];
}

export interface PlatformOptions {
  readonly values: PlatformValues;
  /** Namespace of every object, and of the bootstrap address KEDA resolves. @default DEFAULT_NAMESPACE */
  readonly namespace?: string;
  /** Build gated charts even when their value is off, for the Helm renderer. @default false */
  readonly includeGated?: boolean;
}

/** Everything a MedLives installation runs, one Chart per concern, derived from the topology. */
export function buildPlatform(app: App, options: PlatformOptions): PlatformChart[] {
  const { values } = options;
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const profile = PROFILES[values.profile];
  const local = values.profile === 'dev';
  const charts: PlatformChart[] = [];
  const chart = (file: string, gate?: readonly string[]): Chart => {
    const c = new Chart(app, file, { disableResourceNameHashes: true, namespace });
    charts.push({ file, chart: c, ...(gate ? { gate } : {}) });
    return c;
  };
  const enabled = (on: boolean) => on || (options.includeGated ?? false);
  const placement = Object.fromEntries(POD_PLACEMENT_KEYS.map((k) => [k, values[k]])) as Partial<PodPlacementValues>;

  const kafka = new KafkaCluster(chart('kafka'), 'cluster', {
    profile,
    namespace,
    brokers: values.kafka.brokers,
    controllers: values.kafka.controllers,
  });
  new KafkaTopics(chart('topics'), 'topics', {
    cluster: kafka.name,
    topics: resolveTopics({ profile: values.profile }),
    partitions: values.topics,
  });
  new PlatformConfig(chart('config'), 'config', {
    bootstrapServers: kafka.bootstrapServers,
    logLevel: values.logLevel,
  });
  if (local) {
    new MongoDb(chart('mongodb'), 'mongodb', {
      ...values.mongodb,
      uriSecretName: values.secrets.mongoUri,
      clients: deployables().map((d) => selectorLabels(d.app)),
    });
  }

  const users = kafka.secure ? chart('users') : undefined;
  const tls = kafka.tls ? { caSecretName: kafka.caSecretName } : undefined;
  const apps = chart('apps');
  for (const d of deployables()) {
    const credentials = users
      ? new KafkaAppUser(users, d.app, { cluster: kafka.name, name: d.app, acls: aclsFor(d) }).credentials
      : undefined;
    const common = {
      deployable: d,
      image: `${values.image.repository}:${values.image.tag}`,
      imagePullPolicy: values.image.pullPolicy,
      env: appEnv(d, values, credentials, tls),
      files: appFiles(d, values, tls),
      egress: [dnsEgress(), kafkaEgress(kafka.name, kafka.clientPort), mongoEgress(local)],
      spread: !local,
      placement,
    };
    const worker = values.workers[d.app];
    if (d.group && worker) {
      new ConsumerWorker(apps, d.app, {
        ...common,
        resources: worker.resources,
        scaling: worker,
        bootstrapServers: kafka.bootstrapServers,
        ...(credentials ? { credentials } : {}),
        ...(tls ? { tls } : {}),
        // prod: a MongoDB outage must not scale failing workers up (dev has no Prometheus).
        ...(local ? {} : { sinkGuard: { prometheusServer: values.monitoring.prometheusServer, namespace } }),
      });
    } else if (d.group) {
      throw new Error(`values.workers.${d.app} is missing`);
    } else {
      new HttpService(apps, d.app, { ...common, ...values.producerApi });
    }
  }

  if (enabled(values.kafkaUi.enabled)) {
    new KafkaUi(chart('kafka-ui', ['kafkaUi', 'enabled']), 'kafka-ui', {
      cluster: kafka,
      image: values.kafkaUi.image,
      resources: values.kafkaUi.resources,
      placement,
    });
  }
  if (enabled(values.monitoring.enabled)) {
    new Monitoring(chart('monitoring', ['monitoring', 'enabled']), 'monitoring', {
      deployables: deployables(),
      cluster: kafka,
    });
  }
  return charts;
}
