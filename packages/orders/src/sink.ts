import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AppError } from '@medlives/errors';
import type { Envelope } from '@medlives/events';
import type { Sink, SinkEvent, SinkRejection, SinkResult } from '@medlives/consumer';
import type { StoreDialect } from '@medlives/mongo';
import { DocCache } from './doc-cache';
import { type ApplyResult, type KeyedFact, MAX_PARKED, applyFacts, factOf } from './fold';
import { type OrderMetrics, orderMetrics } from './metrics';
import { ordersCollection } from './model';
import { mongoAppError } from '@medlives/mongo';
import { OrderStore, type WriteOp } from './store';
import type { OrderDoc } from './types';

export interface OrdersSinkOptions {
  readonly conn: Connection;
  readonly dialect: StoreDialect;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Optimistic-concurrency rounds per batch before giving up as a transient fault. @default 5 */
  readonly maxAttempts?: number;
  /** Orders kept from the last writes to skip re-reading them. @default 10000 */
  readonly cacheSize?: number;
  readonly now?: () => Date;
}

export interface OrdersSink extends Sink<Envelope> {
  readonly dialect: StoreDialect;
}

/**
 * The order-persistence sink: all events of a batch for one order become one document write,
 * and the whole batch one unordered bulkWrite. First round: orders this instance wrote recently
 * come from the cache and are replaced guarded by their revision; orders created in the batch
 * are inserted without a read; the others are read. Whatever did not go through (a lost race,
 * an insert of an order that already exists) is re-read and re-folded in the next round.
 */
export function createOrdersSink(options: OrdersSinkOptions): OrdersSink {
  const metrics = orderMetrics(options.registry);
  const store = new OrderStore(ordersCollection(options.conn), options.dialect, metrics);
  const log = options.logger.child({ sink: 'orders' });
  const maxAttempts = options.maxAttempts ?? 5;
  const now = options.now ?? (() => new Date());
  const cache = new DocCache(options.cacheSize ?? 10_000);

  async function write(events: readonly SinkEvent<Envelope>[]): Promise<SinkResult> {
    const { byKey, rejected, indexOf } = groupByOrder(events);
    let keys = [...byKey.keys()];
    for (let attempt = 1; keys.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new AppError('CONFLICT', `orders kept changing under us: ${keys.slice(0, 5).join(', ')}`, { retriable: true });
      }
      const docs = attempt === 1 ? await firstLook(cache, store, keys, byKey) : await store.load(keys);
      const { planned, noops } = plan(keys, docs, byKey, now());
      for (const n of noops) settle(n);
      if (planned.length === 0) break;
      const { unconfirmed } = await store.write(planned.map((p) => p.op)).catch((error: unknown) => {
        // Whatever landed is unknown now: forget the affected orders rather than trust the cache.
        for (const p of planned) cache.delete(p.op.doc._id);
        throw error;
      });
      const retry = new Set(unconfirmed);
      for (const p of planned) {
        if (retry.has(p.op.doc._id)) cache.delete(p.op.doc._id);
        else {
          cache.set(p.op.doc);
          settle(p.result);
        }
      }
      if (retry.size) {
        metrics.writeConflicts.inc(retry.size);
        log.debug({ attempt, conflicts: retry.size }, 'order writes not confirmed; re-reading');
      }
      keys = [...retry];
    }
    return { rejected };

    /** A confirmed (or no-op) fold: count it, and dead-letter what it refused. */
    function settle(result: ApplyResult): void {
      count(metrics, result);
      for (const f of result.refused) {
        const message = `order ${f.key} already has ${MAX_PARKED} events waiting for its creation`;
        rejected.push({ index: indexOf.get(f)!, error: new AppError('CONFLICT', message, { context: { eventId: f.incoming.fact.eventId } }) });
      }
    }
  }

  return {
    dialect: options.dialect,
    write,
    onRebalance: () => cache.clear(),
    async ping() {
      try {
        await options.conn.db!.admin().ping();
      } catch (error) {
        throw mongoAppError(error, { op: 'ping' });
      }
    },
  };
}

/**
 * What the first round folds onto: cached documents; nothing for orders created in this very
 * batch (almost always new: planned as inserts, which fail harmlessly if not); a read for the
 * rest.
 */
async function firstLook(cache: DocCache, store: OrderStore, keys: readonly string[], byKey: Map<string, KeyedFact[]>): Promise<Map<string, OrderDoc>> {
  const docs = new Map<string, OrderDoc>();
  const unknown: string[] = [];
  for (const key of keys) {
    const doc = cache.get(key);
    if (doc) docs.set(key, doc);
    else if (!byKey.get(key)?.some((f) => f.incoming.kind === 'created')) unknown.push(key);
  }
  if (unknown.length) for (const [key, doc] of await store.load(unknown)) docs.set(key, doc);
  return docs;
}

function groupByOrder(events: readonly SinkEvent<Envelope>[]) {
  const byKey = new Map<string, KeyedFact[]>();
  const rejected: SinkRejection[] = [];
  const indexOf = new Map<KeyedFact, number>();
  events.forEach((event, index) => {
    try {
      const fact = factOf(event.value, event.origin);
      if (!fact) return;
      indexOf.set(fact, index);
      const list = byKey.get(fact.key) ?? [];
      list.push(fact);
      byKey.set(fact.key, list);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      rejected.push({ index, error });
    }
  });
  return { byKey, rejected, indexOf };
}

interface Planned {
  readonly op: WriteOp;
  readonly result: ApplyResult;
}

function plan(keys: readonly string[], docs: Map<string, OrderDoc>, byKey: Map<string, KeyedFact[]>, at: Date) {
  const planned: Planned[] = [];
  const noops: ApplyResult[] = [];
  for (const key of keys) {
    const current = docs.get(key) ?? null;
    const result = applyFacts(current, byKey.get(key) ?? [], at);
    if (!result.next) {
      noops.push(result);
      continue;
    }
    const op: WriteOp = current ? { kind: 'replace', doc: result.next, expectedRev: current.rev } : { kind: 'insert', doc: result.next };
    planned.push({ op, result });
  }
  return { planned, noops };
}

function count(metrics: OrderMetrics, result: ApplyResult): void {
  if (result.duplicates) metrics.duplicateEvents.inc(result.duplicates);
  for (const r of result.newRejections) metrics.rejectedTransitions.inc({ reason: r.rejectedBecause });
}
