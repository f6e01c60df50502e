import type { AnyBulkWriteOperation, BulkWriteResult, Collection } from 'mongodb';
import type { StoreDialect } from '@medlives/mongo';
import type { OrderMetrics } from './metrics';
import { mongoAppError } from '@medlives/mongo';
import { ORDERS_COLLECTION } from './model';
import type { OrderDoc } from './types';

export type WriteOp = { kind: 'insert'; doc: OrderDoc } | { kind: 'replace'; doc: OrderDoc; expectedRev: number };

const DUPLICATE_KEY = 11000;
const LOOKUP_CONCURRENCY = 32;

/** Reads and writes `orders` documents with as few round trips as the dialect allows. */
export class OrderStore {
  constructor(
    private readonly collection: Collection<OrderDoc>,
    private readonly dialect: StoreDialect,
    private readonly metrics: OrderMetrics,
  ) {}

  async load(keys: readonly string[]): Promise<Map<string, OrderDoc>> {
    try {
      const docs = this.dialect.batchedIdLookup ? await this.loadIn(keys) : await this.loadEach(keys);
      return new Map(docs.map((d) => [d._id, d]));
    } catch (error) {
      throw mongoAppError(error, { collection: ORDERS_COLLECTION, op: 'load' });
    }
  }

  private async loadIn(keys: readonly string[]): Promise<OrderDoc[]> {
    this.metrics.readOps.inc({ collection: ORDERS_COLLECTION, op: 'find' });
    return this.collection.find({ _id: { $in: [...keys] } }).toArray() as Promise<OrderDoc[]>;
  }

  private async loadEach(keys: readonly string[]): Promise<OrderDoc[]> {
    const out: OrderDoc[] = [];
    for (let i = 0; i < keys.length; i += LOOKUP_CONCURRENCY) {
      const slice = keys.slice(i, i + LOOKUP_CONCURRENCY);
      this.metrics.readOps.inc({ collection: ORDERS_COLLECTION, op: 'findOne' }, slice.length);
      const found = await Promise.all(slice.map((key) => this.collection.findOne({ _id: key })));
      for (const doc of found) if (doc) out.push(doc as OrderDoc);
    }
    return out;
  }

  /**
   * Unordered bulk writes: inserts for new orders, replaces guarded by the revision we read for
   * existing ones. Returns the keys whose write is not confirmed (lost race, duplicate insert):
   * the caller re-reads them; orders whose events already landed then drop out as no-ops.
   */
  async write(ops: readonly WriteOp[]): Promise<{ unconfirmed: string[] }> {
    const unconfirmed: string[] = [];
    for (const chunk of this.chunks(ops)) {
      const replaces = chunk.filter((o) => o.kind === 'replace').length;
      this.metrics.writeOps.inc({ collection: ORDERS_COLLECTION, op: 'bulkWrite' });
      let result: Pick<BulkWriteResult, 'matchedCount'>;
      let failed = new Set<number>();
      try {
        result = await this.collection.bulkWrite(chunk.map((o) => this.toBulkOp(o)), { ordered: false });
      } catch (error) {
        const duplicates = duplicateKeyIndexes(error);
        if (!duplicates) throw mongoAppError(error, { collection: ORDERS_COLLECTION, op: 'bulkWrite' });
        // Unordered: the other operations ran; only the duplicate inserts lost their race.
        failed = duplicates;
        result = { matchedCount: (error as { result?: { matchedCount?: number } }).result?.matchedCount ?? 0 };
      }
      const replacesLanded = result.matchedCount >= replaces;
      chunk.forEach((op, i) => {
        if (failed.has(i) || (op.kind === 'replace' && !replacesLanded)) unconfirmed.push(op.doc._id);
        else this.metrics.documentsWritten.inc({ collection: ORDERS_COLLECTION, op: op.kind });
      });
    }
    return { unconfirmed };
  }

  private toBulkOp(op: WriteOp): AnyBulkWriteOperation<OrderDoc> {
    if (op.kind === 'insert') return { insertOne: { document: op.doc } };
    // FerretDB pushes down only a single-key {_id} filter; its writes are single-writer anyway.
    const filter = this.dialect.atomicConditionalWrites ? { _id: op.doc._id, rev: op.expectedRev } : { _id: op.doc._id };
    return { replaceOne: { filter, replacement: op.doc } };
  }

  /** One command normally; on FerretDB, at most `maxUpdatesPerCommand` replaces per command. */
  private chunks(ops: readonly WriteOp[]): WriteOp[][] {
    const inserts = ops.filter((o) => o.kind === 'insert');
    const replaces = ops.filter((o) => o.kind === 'replace');
    const size = this.dialect.maxUpdatesPerCommand;
    if (replaces.length <= size) return [[...inserts, ...replaces]];
    const out: WriteOp[][] = [];
    for (let i = 0; i < replaces.length; i += size) out.push(replaces.slice(i, i + size));
    if (inserts.length) out[0] = [...inserts, ...out[0]!];
    return out;
  }
}

/** Indexes of the failed operations when every failure is a duplicate key, else undefined. */
function duplicateKeyIndexes(error: unknown): Set<number> | undefined {
  if ((error as { name?: string })?.name !== 'MongoBulkWriteError') return undefined;
  const raw = (error as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<{ code?: number; index?: number }>;
  if (list.length === 0 || !list.every((w) => w.code === DUPLICATE_KEY && typeof w.index === 'number')) return undefined;
  return new Set(list.map((w) => w.index!));
}
