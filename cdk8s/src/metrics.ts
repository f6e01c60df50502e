/** Metric names the apps export (prom-client, packages shared by producer and consumers). */
export const METRICS = {
  consumerLag: 'medlives_kafka_consumer_lag',
  producerErrors: 'medlives_producer_errors_total',
  consumerErrors: 'medlives_consumer_errors_total',
  producerSendSeconds: 'medlives_producer_send_duration_seconds',
} as const;

/** Per-partition series of the Strimzi Metrics Reporter (kafka.cluster:type=Partition) the alerts use. */
export const KAFKA_METRICS = {
  underReplicated: 'kafka_cluster_partition_underreplicated',
  underMinIsr: 'kafka_cluster_partition_underminisr',
} as const;

/** MISSION §6 alert thresholds. */
export const ALERT_THRESHOLDS = {
  consumerLag: 1000,
  producerErrorsPerMinute: 10,
  consumerErrorsPerMinute: 10,
  producerP99Seconds: 0.1,
} as const;
