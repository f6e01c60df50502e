import { API_WATCH_GROUP_PREFIX, TOPICS, resolveGroupId, resolveTopicName, type DeployableSpec, type TopicSpec } from '@medlives/topology';
import { Construct } from 'constructs';
import {
  KafkaUser,
  KafkaUserSpecAuthenticationType as AuthType,
  KafkaUserSpecAuthorizationAclsOperations as Op,
  KafkaUserSpecAuthorizationAclsResourcePatternType as Pattern,
  KafkaUserSpecAuthorizationAclsResourceType as Resource,
  KafkaUserSpecAuthorizationType as AuthzType,
  type KafkaUserSpecAuthorizationAcls as Acl,
} from '../imports/user-kafka.strimzi.io';

export const SASL_MECHANISM = 'scram-sha-512';
/** Key of the generated password in the Secret the User Operator creates for each KafkaUser. */
export const PASSWORD_KEY = 'password';
/** Key of the ready-made JAAS line in the same Secret (for JVM clients such as Kafka UI). */
export const JAAS_CONFIG_KEY = 'sasl.jaas.config';

/** A KafkaUser's SASL identity: Strimzi names the Secret after the user. */
export interface KafkaCredentials {
  readonly username: string;
  readonly secretName: string;
}

function topicAcl(topic: TopicSpec, ...operations: Op[]): Acl {
  return { resource: { type: Resource.TOPIC, name: resolveTopicName(topic), patternType: Pattern.LITERAL }, operations };
}

/**
 * Least privilege from the topology: the producer API writes the event topics; a worker reads its
 * topics and its re-drive topic, commits as its own group and writes only its own DLQ and the
 * topics it publishes to (topology `publishes`).
 */
export function aclsFor(d: DeployableSpec): Acl[] {
  if (!d.group) {
    return [
      ...Object.values(TOPICS).map((t) => topicAcl(t, Op.WRITE, Op.DESCRIBE)),
      // The live delivery feed: each instance reads positions and status changes in a group of its own.
      ...[TOPICS.deliveryTracking, TOPICS.statusUpdates].map((t) => topicAcl(t, Op.READ)),
      { resource: { type: Resource.GROUP, name: API_WATCH_GROUP_PREFIX, patternType: Pattern.PREFIX }, operations: [Op.READ, Op.DESCRIBE] },
    ];
  }
  return [
    ...[...d.group.topics, d.group.redrive].map((t) => topicAcl(t, Op.READ, Op.DESCRIBE)),
    {
      resource: { type: Resource.GROUP, name: resolveGroupId(d.group), patternType: Pattern.LITERAL },
      operations: [Op.READ, Op.DESCRIBE],
    },
    topicAcl(d.group.dlq, Op.WRITE, Op.DESCRIBE),
    ...(d.group.publishes ?? []).map((t) => topicAcl(t, Op.WRITE, Op.DESCRIBE)),
  ];
}

/** Browse-only rights for an operator UI: see every topic, group and broker config, change nothing. */
export function readOnlyAcls(): Acl[] {
  const all = { name: '*', patternType: Pattern.LITERAL };
  return [
    { resource: { type: Resource.TOPIC, ...all }, operations: [Op.READ, Op.DESCRIBE, Op.DESCRIBE_CONFIGS] },
    { resource: { type: Resource.GROUP, ...all }, operations: [Op.DESCRIBE] },
    { resource: { type: Resource.CLUSTER }, operations: [Op.DESCRIBE, Op.DESCRIBE_CONFIGS] },
  ];
}

export interface KafkaAppUserProps {
  readonly cluster: string;
  /** User name, SASL username and name of the Secret holding its password. */
  readonly name: string;
  readonly acls: readonly Acl[];
}

/** A SCRAM-SHA-512 KafkaUser with explicit ACLs; the User Operator generates its password. */
export class KafkaAppUser extends Construct {
  readonly credentials: KafkaCredentials;

  constructor(scope: Construct, id: string, props: KafkaAppUserProps) {
    super(scope, id);
    this.credentials = { username: props.name, secretName: props.name };
    new KafkaUser(this, 'user', {
      metadata: { name: props.name, labels: { 'strimzi.io/cluster': props.cluster } },
      spec: {
        authentication: { type: AuthType.SCRAM_HYPHEN_SHA_HYPHEN_512 },
        authorization: { type: AuthzType.SIMPLE, acls: [...props.acls] },
      },
    });
  }
}
