import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { type StoreDialect, mongoAppError } from '@medlives/mongo';
import type { OrderFact } from './facts';

export const FACTS_COLLECTION = 'analytics_order_facts';

const DUPLICATE_KEY = 11000;
const LOOKUP_CONCURRENCY = 32;

export interface FactStoreCounters {
  /** One per database write command (a bulkWrite), the figure the bench reports per 1,000 events. */
  onWriteCommand?(): void;
  onReadCommand?(n: number): void;
}

export function factsCollection(conn: Connection): Collection<OrderFact> {
  return conn.db!.collection<OrderFact>(FACTS_COLLECTION);
}

/** Reads and writes order facts with as few commands as the server allows. */
export class FactStore {
  readonly collection: Collection<OrderFact>;
  constructor(
    conn: Connection,
    private readonly dialect: StoreDialect,
    private readonly counters: FactStoreCounters = {},
  ) {
    this.collection = factsCollection(conn);
  }

  /** Indexes the read side filters on; FerretDB plans no secondary index, so there they only cost. */
  async init(): Promise<void> {
    if (!this.dialect.secondaryIndexes) return;
    try {
      await this.collection.createIndexes([
        { key: { tenantCode: 1, day: 1 }, name: 'tenant_day' },
        { key: { tenantCode: 1, localDay: 1 }, name: 'tenant_local_day' },
        { key: { day: 1 }, name: 'day' },
      ]);
    } catch (error) {
      throw mongoAppError(error, { collection: FACTS_COLLECTION, op: 'createIndexes' });
    }
  }

  async load(ids: readonly string[]): Promise<Map<string, OrderFact>> {
    try {
      let docs: OrderFact[];
      if (this.dialect.batchedIdLookup) {
        this.counters.onReadCommand?.(1);
        docs = (await this.collection.find({ _id: { $in: [...ids] } }).toArray()) as OrderFact[];
      } else {
        // FerretDB pushes only a plain {_id} filter down to SQLite: point reads, a few at a time.
        docs = [];
        for (let i = 0; i < ids.length; i += LOOKUP_CONCURRENCY) {
          const slice = ids.slice(i, i + LOOKUP_CONCURRENCY);
          this.counters.onReadCommand?.(slice.length);
          for (const d of await Promise.all(slice.map((_id) => this.collection.findOne({ _id })))) if (d) docs.push(d as OrderFact);
        }
      }
      return new Map(docs.map((d) => [d._id, d]));
    } catch (error) {
      throw mongoAppError(error, { collection: FACTS_COLLECTION, op: 'load' });
    }
  }

  /**
   * Unordered bulk writes, one command per batch on MongoDB (FerretDB: at most
   * `maxUpdatesPerCommand` replaces per command): inserts for new facts, replaces guarded by the
   * revision read. Returns false when some write lost a race with another member; the caller then
   * re-reads and re-merges, which is safe because merging an event twice changes nothing.
   */
  async write(docs: readonly { fact: OrderFact; expectedRev: number | null }[]): Promise<boolean> {
    let confirmed = true;
    const size = Number.isFinite(this.dialect.maxUpdatesPerCommand) ? this.dialect.maxUpdatesPerCommand : docs.length || 1;
    for (let i = 0; i < docs.length; i += size) {
      const chunk = docs.slice(i, i + size);
      const replaces = chunk.filter((d) => d.expectedRev !== null).length;
      const ops: AnyBulkWriteOperation<OrderFact>[] = chunk.map(({ fact, expectedRev }) =>
        expectedRev === null
          ? { insertOne: { document: fact } }
          : // FerretDB runs filter and write in separate transactions; there a single writer per tenant (key affinity) stands in.
            { replaceOne: { filter: this.dialect.atomicConditionalWrites ? { _id: fact._id, rev: expectedRev } : { _id: fact._id }, replacement: fact } },
      );
      this.counters.onWriteCommand?.();
      try {
        const result = await this.collection.bulkWrite(ops, { ordered: false });
        if (result.matchedCount < replaces) confirmed = false;
      } catch (error) {
        if (!onlyDuplicateKeys(error)) throw mongoAppError(error, { collection: FACTS_COLLECTION, op: 'bulkWrite' });
        confirmed = false;
      }
    }
    return confirmed;
  }
}

function onlyDuplicateKeys(error: unknown): boolean {
  if ((error as { name?: string })?.name !== 'MongoBulkWriteError') return false;
  const raw = (error as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<{ code?: number }>;
  return list.length > 0 && list.every((w) => w.code === DUPLICATE_KEY);
}
