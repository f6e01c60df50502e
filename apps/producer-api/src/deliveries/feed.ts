import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { decodeEvent } from '@medlives/events';
import { API_WATCH_GROUP_PREFIX, TOPICS, resolveTopicName } from '@medlives/topology';
// delivery-tracking-service owns the position documents; the API reads them and shares the view.
import { DAY_MS, type PositionView, positionKey } from '../../../delivery-tracking/src/store/positions';

/** One SSE connection's view of the feed. */
export interface Watcher {
  readonly orderId: string;
  /** The tenant whose order this is; undefined for an admin watching any tenant's order of that id. */
  readonly tenantCode: string | undefined;
  position(view: PositionView): void;
  end(reason: 'delivered' | 'cancelled'): void;
  /** The instance is shutting down: close without an `end` event, so the client reconnects elsewhere. */
  close(): void;
}

export interface DeliveryFeedOptions {
  readonly kafka: Kafka;
  readonly prefix: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Distinguishes this API instance's group; @default hostname + random suffix */
  readonly instanceId?: string;
  /** Latest positions kept in memory for watchers that connect between the event and its storage. @default 10000 */
  readonly cacheSize?: number;
}

/**
 * Every API instance reads every courier location and status change itself, through a consumer
 * group of its own (`<prefix>producer-api.watch.<instance>`): Kafka delivers each record to each
 * group, so a watcher sees a position whichever replica accepted it and whichever replica the
 * watcher is connected to, without a second broker (Redis pub/sub) or polling the store. The group
 * never commits offsets and starts at the end of the topics: a new instance has no backlog to
 * replay (a connecting watcher gets the stored latest position instead), and a group without
 * members or offsets is dropped by the broker.
 */
export class DeliveryFeed {
  private consumer: Consumer | undefined;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly latest = new Map<string, PositionView>();
  private joined = false;
  private stopped = false;
  private readonly groupId: string;
  private readonly cacheSize: number;
  private readonly watching: Gauge;
  private readonly pushed: Counter;

  constructor(private readonly options: DeliveryFeedOptions) {
    const instance = (options.instanceId ?? `${hostname()}-${randomBytes(4).toString('hex')}`).replace(/[^a-zA-Z0-9._-]/g, '-');
    this.groupId = `${options.prefix}${API_WATCH_GROUP_PREFIX}${instance}`;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.watching = new Gauge({ name: 'medlives_delivery_watchers', help: 'Open delivery SSE streams on this instance', registers: [options.registry] });
    this.pushed = new Counter({ name: 'medlives_delivery_stream_events_total', help: 'Events written to delivery SSE streams', labelNames: ['event'], registers: [options.registry] });
  }

  /** True once the consumer joined its group: from then on no new position is missed. */
  get running(): boolean {
    return this.joined;
  }

  get watcherCount(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  countPush(event: 'position' | 'end' | 'heartbeat'): void {
    this.pushed.inc({ event });
  }

  /** Starts the consumer, retrying every 2 s while Kafka is unreachable (until `stop`). */
  async start(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect();
        return;
      } catch (error) {
        this.options.logger.warn({ err: error }, 'delivery feed could not start; retrying');
        await this.consumer?.disconnect().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 2_000).unref());
      }
    }
  }

  private async connect(): Promise<void> {
    const { kafka, prefix, logger } = this.options;
    const consumer = kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000, allowAutoTopicCreation: false });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.joined = false;
      logger.error({ err: event.payload.error, restart: event.payload.restart }, 'delivery feed consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [resolveTopicName(TOPICS.deliveryTracking, prefix), resolveTopicName(TOPICS.statusUpdates, prefix)], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachMessage: async ({ message }) => this.onRecord(message),
    });
  }

  /** Closes every stream (shutdown): clients reconnect to another replica with Last-Event-ID. */
  closeAll(): void {
    for (const set of [...this.watchers.values()]) for (const w of [...set]) w.close();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.joined = false;
    await this.consumer?.disconnect().catch(() => undefined);
  }

  /** Registers a watcher; the returned function unregisters it. */
  watch(watcher: Watcher): () => void {
    let set = this.watchers.get(watcher.orderId);
    if (!set) this.watchers.set(watcher.orderId, (set = new Set()));
    set.add(watcher);
    this.watching.inc();
    return () => {
      if (!set.delete(watcher)) return;
      this.watching.dec();
      if (set.size === 0 && this.watchers.get(watcher.orderId) === set) this.watchers.delete(watcher.orderId);
    };
  }

  /** The newest position this instance saw for an order (possibly not stored yet). */
  cached(tenantCode: string | undefined, orderId: string): PositionView | undefined {
    // Like the store: a position older than a day has expired.
    const live = (v: PositionView | undefined) => (v && Date.parse(v.at) > Date.now() - DAY_MS ? v : undefined);
    if (tenantCode !== undefined) return live(this.latest.get(positionKey(tenantCode, orderId)));
    let best: PositionView | undefined;
    for (const v of this.latest.values()) if (v.orderId === orderId && (!best || v.at > best.at)) best = v;
    return live(best);
  }

  private onRecord(message: Parameters<typeof decodeEvent>[0]): void {
    const decoded = decodeEvent(message);
    // Malformed records are delivery-tracking-service's to dead-letter; the feed only skips them.
    if (!decoded.ok) return;
    const e = decoded.envelope;
    if (e.eventType === 'delivery.location.update') {
      const d = e.data;
      const view: PositionView = {
        orderId: d.orderId, tenantCode: e.tenantCode, deliveryBoyId: d.deliveryBoyId, lat: d.lat, lng: d.lng, at: new Date(d.at).toISOString(),
        ...(d.speed === undefined ? {} : { speed: d.speed }),
        ...(d.heading === undefined ? {} : { heading: d.heading }),
        ...(d.eta === undefined ? {} : { eta: d.eta }),
        eventId: e.eventId,
      };
      this.remember(view);
      for (const w of this.watchersOf(e.tenantCode, d.orderId)) w.position(view);
    } else if (e.eventType === 'status.changed' && (e.data.newStatus === 'delivered' || e.data.newStatus === 'cancelled')) {
      for (const w of this.watchersOf(e.tenantCode, e.data.orderId)) w.end(e.data.newStatus);
    }
  }

  private *watchersOf(tenantCode: string, orderId: string): Iterable<Watcher> {
    const set = this.watchers.get(orderId);
    if (!set) return;
    for (const w of [...set]) if (w.tenantCode === undefined || w.tenantCode === tenantCode) yield w;
  }

  private remember(view: PositionView): void {
    const key = positionKey(view.tenantCode, view.orderId);
    const known = this.latest.get(key);
    if (known && known.at >= view.at) return;
    this.latest.delete(key);
    this.latest.set(key, view);
    // Insertion order = least recently updated first.
    if (this.latest.size > this.cacheSize) this.latest.delete(this.latest.keys().next().value!);
  }
}
