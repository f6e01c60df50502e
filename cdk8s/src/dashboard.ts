import type { DeployableSpec } from '@medlives/topology';
import { ALERT_THRESHOLDS, METRICS } from './metrics';

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly { readonly expr: string; readonly legend: string }[];
  readonly threshold?: number;
}

const NS = 'namespace="$namespace"';

/** The Grafana dashboard (schema 39) for the platform, one row of panels per concern. */
export function dashboardJson(deployables: readonly DeployableSpec[], kafkaJobRegex: string): string {
  const apps = deployables.map((d) => d.app).join('|');
  const panels: Panel[] = [
    {
      title: 'Producer sends / s',
      unit: 'ops',
      targets: [{ expr: `sum(rate(${METRICS.producerSendSeconds}_count{${NS}}[1m]))`, legend: 'sends' }],
    },
    {
      title: 'Producer send latency',
      unit: 's',
      threshold: ALERT_THRESHOLDS.producerP99Seconds,
      targets: [0.5, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(${METRICS.producerSendSeconds}_bucket{${NS}}[5m])))`,
        legend: `p${q * 100}`,
      })),
    },
    {
      title: 'Producer errors / min',
      unit: 'short',
      threshold: ALERT_THRESHOLDS.producerErrorsPerMinute,
      targets: [{ expr: `sum(rate(${METRICS.producerErrors}{${NS}}[5m])) * 60`, legend: 'errors' }],
    },
    {
      title: 'Consumer lag by group and topic',
      unit: 'short',
      threshold: ALERT_THRESHOLDS.consumerLag,
      targets: [
        {
          expr: `sum by (group, topic) (max by (group, topic, partition) (${METRICS.consumerLag}{${NS}}))`,
          legend: '{{group}} / {{topic}}',
        },
      ],
    },
    {
      title: 'Consumer errors / min',
      unit: 'short',
      threshold: ALERT_THRESHOLDS.consumerErrorsPerMinute,
      targets: [{ expr: `sum by (group) (rate(${METRICS.consumerErrors}{${NS}}[5m])) * 60`, legend: '{{group}}' }],
    },
    {
      title: 'Replicas (KEDA-scaled workers and API)',
      unit: 'short',
      targets: [
        {
          expr: `sum by (deployment) (kube_deployment_status_replicas{${NS}, deployment=~"${apps}"})`,
          legend: '{{deployment}}',
        },
      ],
    },
    {
      title: 'Kafka nodes up',
      unit: 'short',
      targets: [{ expr: `sum(up{${NS}, job=~"${kafkaJobRegex}"})`, legend: 'nodes' }],
    },
  ];
  const dashboard = {
    title: 'MedLives',
    uid: 'medlives',
    schemaVersion: 39,
    timezone: 'utc',
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        {
          name: 'namespace',
          type: 'query',
          datasource: { type: 'prometheus' },
          query: `label_values(${METRICS.producerSendSeconds}_count, namespace)`,
          refresh: 2,
        },
      ],
    },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource: { type: 'prometheus' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: {
        defaults: {
          unit: p.unit,
          ...(p.threshold === undefined
            ? {}
            : { thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: p.threshold }] } }),
        },
        overrides: [],
      },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend })),
    })),
  };
  return JSON.stringify(dashboard, null, 2);
}
