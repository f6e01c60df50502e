import type { DeployableSpec } from '@medlives/topology';
import { Construct } from 'constructs';
import { KubeConfigMap } from '../imports/k8s';
import { PodMonitor } from '../imports/podmonitor-monitoring.coreos.com';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr as Expr } from '../imports/rule-monitoring.coreos.com';
import { dashboardJson } from './dashboard';
import { ALERT_THRESHOLDS, KAFKA_METRICS, METRICS } from './metrics';
import { PLATFORM, kafkaPodLabels, selectorLabels } from './names';
import { PORT_NAME } from './workload';

/** Port Strimzi exposes node metrics on. */
const KAFKA_METRICS_PORT = 'tcp-prometheus';

export interface MonitoringProps {
  readonly deployables: readonly DeployableSpec[];
  readonly cluster: { readonly name: string; readonly nodeCount: number };
}

/** PodMonitors for the apps and Kafka, the MISSION §6 alert rules and a Grafana dashboard. */
export class Monitoring extends Construct {
  /** prometheus-operator labels scraped series with job="<namespace>/<PodMonitor name>". */
  readonly kafkaJobRegex: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const kafkaMonitor = `${props.cluster.name}-kafka`;
    this.kafkaJobRegex = `.+/${kafkaMonitor}`;
    const labels = { 'app.kubernetes.io/part-of': PLATFORM };

    for (const d of props.deployables) {
      new PodMonitor(this, d.app, {
        metadata: { name: d.app, labels },
        spec: {
          selector: { matchLabels: selectorLabels(d.app) },
          podMetricsEndpoints: [{ port: PORT_NAME, path: '/metrics', interval: '30s' }],
        },
      });
    }
    new PodMonitor(this, 'kafka', {
      metadata: { name: kafkaMonitor, labels },
      spec: {
        selector: { matchLabels: kafkaPodLabels(props.cluster.name) },
        podMetricsEndpoints: [{ port: KAFKA_METRICS_PORT, path: '/metrics', interval: '30s' }],
      },
    });

    new PrometheusRule(this, 'rules', {
      metadata: { name: PLATFORM, labels },
      spec: { groups: [{ name: PLATFORM, rules: this.rules(props.cluster.nodeCount) }] },
    });

    new KubeConfigMap(this, 'dashboard', {
      metadata: { name: `${PLATFORM}-dashboard`, labels: { ...labels, grafana_dashboard: '1' } },
      data: { [`${PLATFORM}.json`]: dashboardJson(props.deployables, this.kafkaJobRegex) },
    });
  }

  private rules(kafkaNodes: number) {
    const t = ALERT_THRESHOLDS;
    const up = `up{job=~"${this.kafkaJobRegex}"}`;
    const rule = (alert: string, expr: string, forDuration: string, severity: string, summary: string) => ({
      alert,
      expr: Expr.fromString(expr),
      for: forDuration,
      labels: { severity },
      annotations: { summary },
    });
    return [
      rule(
        'MedlivesConsumerLagHigh',
        // Replicas may each report a partition they once owned: take the max per partition first.
        `sum by (namespace, group, topic) (max by (namespace, group, topic, partition) (${METRICS.consumerLag})) > ${t.consumerLag}`,
        '5m',
        'warning',
        `Consumer group {{ $labels.group }} is more than ${t.consumerLag} events behind on {{ $labels.topic }}`,
      ),
      rule(
        'MedlivesProducerErrors',
        `sum by (namespace) (rate(${METRICS.producerErrors}[5m])) * 60 > ${t.producerErrorsPerMinute}`,
        '2m',
        'critical',
        `The producer API fails more than ${t.producerErrorsPerMinute} sends per minute`,
      ),
      rule(
        'MedlivesConsumerErrors',
        `sum by (namespace, group) (rate(${METRICS.consumerErrors}[5m])) * 60 > ${t.consumerErrorsPerMinute}`,
        '2m',
        'critical',
        `Consumer group {{ $labels.group }} fails more than ${t.consumerErrorsPerMinute} events per minute`,
      ),
      rule(
        'MedlivesProducerLatencyHigh',
        `histogram_quantile(0.99, sum by (namespace, le) (rate(${METRICS.producerSendSeconds}_bucket[5m]))) > ${t.producerP99Seconds}`,
        '5m',
        'warning',
        `Producer p99 send latency is above ${t.producerP99Seconds * 1000} ms`,
      ),
      rule(
        'MedlivesKafkaBrokerUnavailable',
        // absent() also fires when every node is gone and no series is left to compare.
        `(sum by (namespace) (${up}) < ${kafkaNodes}) or absent(${up})`,
        '2m',
        'critical',
        `Fewer than ${kafkaNodes} Kafka nodes are up`,
      ),
      rule(
        'MedlivesKafkaUnderReplicatedPartitions',
        `sum by (namespace, topic) (${KAFKA_METRICS.underReplicated}{job=~"${this.kafkaJobRegex}"}) > 0`,
        '5m',
        'warning',
        'Topic {{ $labels.topic }} has partitions with fewer in-sync replicas than replicas',
      ),
      rule(
        'MedlivesKafkaUnderMinIsr',
        // acks=all producers are refused on these partitions: accepted events cannot be published.
        `sum by (namespace, topic) (${KAFKA_METRICS.underMinIsr}{job=~"${this.kafkaJobRegex}"}) > 0`,
        '1m',
        'critical',
        'Topic {{ $labels.topic }} has partitions below min.insync.replicas: writes to them fail',
      ),
    ];
  }
}
