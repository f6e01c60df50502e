import { CONSUMER_GROUPS, type ConsumerGroupSpec } from './groups';

/** Port every worker serves /healthz, /readyz and /metrics on. */
export const WORKER_HTTP_PORT = 9464;

export interface DeployableSpec {
  /** Folder under apps/ and the Kubernetes workload name. */
  readonly app: string;
  readonly kind: 'http-api' | 'consumer-worker';
  readonly httpPort: number;
  /** Set for consumer workers. */
  readonly group?: ConsumerGroupSpec;
}

/**
 * Each API instance consumes delivery-tracking and status-updates under a group of its own,
 * `<prefix><this><instance>`, to push positions to its SSE watchers (apps/producer-api deliveries/feed).
 */
export const API_WATCH_GROUP_PREFIX = 'producer-api.watch.';

export const PRODUCER_API: DeployableSpec = Object.freeze({ app: 'producer-api', kind: 'http-api', httpPort: 8080 });

/** What a cluster runs: the API plus one worker per consumer group whose app exists. */
export function deployables(): DeployableSpec[] {
  const workers = Object.values(CONSUMER_GROUPS)
    .filter((g) => g.available)
    .map((g): DeployableSpec => ({ app: g.app, kind: 'consumer-worker', httpPort: WORKER_HTTP_PORT, group: g }));
  return [PRODUCER_API, ...workers];
}
