import { resolveGroupId, resolveTopicName, type ConsumerGroupSpec } from '@medlives/topology';
import { Construct } from 'constructs';
import {
  ScaledObject,
  ScaledObjectSpecAdvancedScalingModifiersMetricType,
  type ScaledObjectSpecTriggers,
} from '../imports/scaledobject-keda.sh';
import { TriggerAuthentication } from '../imports/triggerauth-keda.sh';
import type { NetworkPolicyEgressRule } from '../imports/k8s';
import { medlivesContainer, type MedlivesContainerProps } from './app-container';
import type { KafkaClientTls } from './app-env';
import type { KafkaCredentials } from './kafka-users';
import { CLUSTER_CA_KEY, componentOf, workloadLabels } from './names';
import type { PodPlacementValues, WorkerValues } from './values';
import { AppWorkload } from './workload';

export interface ConsumerWorkerProps extends MedlivesContainerProps {
  /** `<cluster>-kafka-bootstrap.<namespace>.svc:<port>`: KEDA resolves it from its own namespace. */
  readonly bootstrapServers: string;
  readonly scaling: Pick<WorkerValues, 'minReplicas' | 'maxReplicas' | 'lagThreshold'>;
  /** SASL credentials for KEDA's lag queries. @default - the listener needs none */
  readonly credentials?: KafkaCredentials;
  /** KEDA talks TLS to the brokers and trusts this cluster CA. @default - plain listener */
  readonly tls?: KafkaClientTls;
  readonly egress: readonly NetworkPolicyEgressRule[];
  /** Spread replicas across zones and nodes. @default false */
  readonly spread?: boolean;
  /** Pull secrets, node selection, tolerations, affinity, pod annotations. @default - none */
  readonly placement?: Partial<PodPlacementValues>;
  /** How often KEDA reads the lag, in seconds. @default 15 */
  readonly pollingIntervalSeconds?: number;
  /**
   * Hold scaling while the sink is failing: lag then grows because writes fail, and more replicas
   * would only add rebalances and load on the failing database.
   * @default - lag alone drives scaling
   */
  readonly sinkGuard?: SinkGuard;
}

/** Where KEDA reads whether a group's workers are pausing partitions for a failing sink. */
export interface SinkGuard {
  /** Prometheus that scrapes the workers (the PodMonitors), e.g. `http://prometheus-operated.monitoring.svc:9090`. */
  readonly prometheusServer: string;
  /** Namespace label of the workers' series. */
  readonly namespace: string;
  /** How long one paused partition holds scaling after the last pause. @default '2m' */
  readonly window?: string;
}

/** Name of the sink trigger in the scaling formula. */
export const SINK_TRIGGER = 'sink_paused';

/** A trigger name usable in a KEDA formula (expr identifiers): `order-events` -> `order_events`. */
export function triggerName(topic: string): string {
  return topic.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * One consumer group: a Deployment whose replica count belongs to KEDA (no `replicas` field), and
 * a ScaledObject with one `kafka` trigger per consumed topic.
 */
export class ConsumerWorker extends Construct {
  readonly name: string;
  readonly group: ConsumerGroupSpec;

  constructor(scope: Construct, id: string, props: ConsumerWorkerProps) {
    super(scope, id);
    const group = props.deployable.group;
    if (!group) throw new Error(`${props.deployable.app} is not a consumer worker`);
    this.group = group;
    this.name = props.deployable.app;
    const { container, volumes } = medlivesContainer(props);
    const workload = new AppWorkload(this, 'workload', {
      name: this.name,
      component: componentOf(props.deployable),
      container,
      port: props.deployable.httpPort,
      volumes,
      egress: props.egress,
      spread: props.spread ?? false,
      ...(props.placement ? { placement: props.placement } : {}),
      // SIGTERM flushes the open batch, which may have waited up to maxWaitMs already.
      terminationGracePeriodSeconds: 30 + Math.ceil(group.batch.maxWaitMs / 1000),
    });

    const metadata = { name: this.name, labels: workloadLabels(this.name, componentOf(props.deployable)) };
    const auth = props.credentials
      ? new TriggerAuthentication(this, 'trigger-auth', {
          metadata,
          spec: {
            secretTargetRef: [
              { parameter: 'password', name: props.credentials.secretName, key: 'password' },
              ...(props.tls ? [{ parameter: 'ca', name: props.tls.caSecretName, key: CLUSTER_CA_KEY }] : []),
            ],
            // The username is the KafkaUser's name; KEDA reads it from the worker's own env.
            env: [{ parameter: 'username', name: 'KAFKA_SASL_USERNAME', containerName: this.name }],
          },
        })
      : undefined;

    const lagTriggers = group.topics.map((topic): ScaledObjectSpecTriggers => ({
      type: 'kafka',
      ...(props.sinkGuard ? { name: triggerName(resolveTopicName(topic)) } : {}),
      metadata: {
        bootstrapServers: props.bootstrapServers,
        consumerGroup: resolveGroupId(group),
        topic: resolveTopicName(topic),
        lagThreshold: String(props.scaling.lagThreshold),
        // The group starts from the beginning of retention, so a new group's lag is the whole
        // topic; `latest` would report no lag until the first commit.
        offsetResetPolicy: 'earliest',
        allowIdleConsumers: 'false',
        // A replica per lagging partition at most: more could only sit idle.
        limitToPartitionsWithLag: 'true',
        ...(props.credentials ? { sasl: 'scram_sha512' } : {}),
        tls: props.tls ? 'enable' : 'disable',
      },
      ...(auth ? { authenticationRef: { name: auth.name } } : {}),
    }));
    const guard = props.sinkGuard ? sinkGuard(props.sinkGuard, resolveGroupId(group), lagTriggers, props.scaling.lagThreshold) : undefined;

    new ScaledObject(this, 'scaler', {
      metadata,
      spec: {
        scaleTargetRef: { name: workload.name },
        pollingInterval: props.pollingIntervalSeconds ?? 15,
        // >= 1: at zero replicas nobody commits offsets, and KEDA can miss lag it cannot attribute.
        minReplicaCount: props.scaling.minReplicas,
        maxReplicaCount: props.scaling.maxReplicas,
        advanced: {
          horizontalPodAutoscalerConfig: {
            // Every replica change rebalances the whole group: scale up promptly, down slowly.
            behavior: {
              scaleUp: {
                stabilizationWindowSeconds: 30,
                policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }],
              },
              scaleDown: {
                stabilizationWindowSeconds: 300,
                policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
              },
            },
          },
          ...(guard ? { scalingModifiers: guard.modifiers } : {}),
        },
        triggers: guard ? [...lagTriggers, guard.trigger] : lagTriggers,
      },
    });
  }
}

/**
 * A Prometheus trigger on the workers' `medlives_consumer_paused_partitions` (set while the sink
 * fails, see packages/consumer) and a formula that counts the lag only while no worker paused within
 * the window. During an outage the composite is 0: the HPA's 300 s scale-down stabilization holds the
 * replica count through a short outage, a long one shrinks the group one pod per 2 min to its minimum;
 * it never scales up into the failure. If Prometheus is unreachable the formula cannot be computed and
 * the HPA keeps the current count (KEDA reports the error on the ScaledObject).
 */
function sinkGuard(guard: SinkGuard, groupId: string, lagTriggers: readonly ScaledObjectSpecTriggers[], lagThreshold: number) {
  const series = `medlives_consumer_paused_partitions{namespace="${guard.namespace}",group="${groupId}"}`;
  const trigger: ScaledObjectSpecTriggers = {
    type: 'prometheus',
    name: SINK_TRIGGER,
    metadata: {
      serverAddress: guard.prometheusServer,
      query: `max(max_over_time(${series}[${guard.window ?? '2m'}])) or vector(0)`,
      // The trigger only gates the formula; its own threshold never drives the HPA.
      threshold: '1',
      ignoreNullValues: 'true',
    },
  };
  const lag = lagTriggers.map((t) => t.name).join(' + ');
  const modifiers = {
    formula: `${SINK_TRIGGER} > 0 ? 0 : ${lag}`,
    target: String(lagThreshold),
    metricType: ScaledObjectSpecAdvancedScalingModifiersMetricType.AVERAGE_VALUE,
  };
  return { trigger, modifiers };
}
