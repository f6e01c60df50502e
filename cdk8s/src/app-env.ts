import { TOPICS, type DeployableSpec } from '@medlives/topology';
import type { EnvVar } from '../imports/k8s';
import type { SecretFile } from './app-container';
import { PASSWORD_KEY, SASL_MECHANISM, type KafkaCredentials } from './kafka-users';
import { CLUSTER_CA_DIR, CLUSTER_CA_KEY } from './names';
import type { PlatformValues } from './values';

/** How the apps reach Kafka: over TLS, trusting the cluster CA in `caSecretName`. */
export interface KafkaClientTls {
  readonly caSecretName: string;
}

/** Keys inside the Secrets an installation provides (see charts/medlives/README.md). */
export const SECRET_KEYS = { mongoUri: 'uri', apiKeys: 'api-keys', encryptionKey: 'encryption-keys' } as const;

/**
 * Care data is encrypted at rest: whoever stores health records (care-records) seals it, and the
 * API opens it for the owning tenant (and seals the events it keeps for Idempotency-Key retries).
 */
export function needsEncryptionKey(d: DeployableSpec): boolean {
  // care-records seals health records; notification-service seals recipients, message texts and
  // the care events it keeps (appointment / prescription events carry patient contacts).
  const sealing = [TOPICS.healthRecordEvents, TOPICS.appointmentEvents, TOPICS.prescriptionEvents];
  return d.kind === 'http-api' || (d.group?.topics.some((t) => sealing.includes(t)) ?? false);
}

function fromSecret(name: string, secretName: string, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** Per-app environment; KAFKA_BROKERS, TOPIC_PREFIX and LOG_LEVEL come from the platform ConfigMap. */
export function appEnv(d: DeployableSpec, values: PlatformValues, credentials?: KafkaCredentials, tls?: KafkaClientTls): EnvVar[] {
  return [
    ...(tls ? [{ name: 'KAFKA_SSL', value: 'true' }] : []),
    { name: 'NODE_ENV', value: 'production' },
    { name: 'PORT', value: String(d.httpPort) },
    { name: 'KAFKA_CLIENT_ID', value: d.app },
    fromSecret('MONGO_URL', values.secrets.mongoUri, SECRET_KEYS.mongoUri),
    ...(needsEncryptionKey(d) ? [fromSecret('ENCRYPTION_KEYS', values.secrets.encryptionKey, SECRET_KEYS.encryptionKey)] : []),
    ...(credentials
      ? [
          { name: 'KAFKA_SASL_MECHANISM', value: SASL_MECHANISM },
          { name: 'KAFKA_SASL_USERNAME', value: credentials.username },
          fromSecret('KAFKA_SASL_PASSWORD', credentials.secretName, PASSWORD_KEY),
        ]
      : []),
  ];
}

/**
 * Files mounted from Secrets: the producer API reads its API keys from one; over TLS every app trusts
 * the Kafka cluster CA through NODE_EXTRA_CA_CERTS (Node adds it to the CAs every TLS socket trusts).
 */
export function appFiles(d: DeployableSpec, values: PlatformValues, tls?: KafkaClientTls): SecretFile[] {
  return [
    ...(d.kind === 'http-api' ? [{ secretName: values.secrets.apiKeys, key: SECRET_KEYS.apiKeys, envVar: 'API_KEYS_FILE' }] : []),
    ...(tls ? [{ secretName: tls.caSecretName, key: CLUSTER_CA_KEY, envVar: 'NODE_EXTRA_CA_CERTS', volume: 'kafka-ca', dir: CLUSTER_CA_DIR }] : []),
  ];
}
