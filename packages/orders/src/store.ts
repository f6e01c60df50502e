import type { AnyBulkWriteOperation, BulkWriteResult, Collection } from 'mongodb';
import type { StoreDialect } from './dialect';
import type { OrderMetrics } from './metrics';
import { mongoAppError } from './mongo-errors';
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
      let result: BulkWriteResult | undefined;
      try {
        result = await this.collection.bulkWrite(chunk.map((o) => this.toBulkOp(o)), { ordered: false });
      } catch (error) {
        if (!onlyDuplicateKeys(error)) throw mongoAppError(error, { collection: ORDERS_COLLECTION, op: 'bulkWrite' });
      }
      if (!result || result.matchedCount < replaces) unconfirmed.push(...chunk.map((o) => o.doc._id));
      else {
        this.metrics.documentsWritten.inc({ collection: ORDERS_COLLECTION, op: 'insert' }, chunk.length - replaces);
        this.metrics.documentsWritten.inc({ collection: ORDERS_COLLECTION, op: 'replace' }, replaces);
      }
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

function onlyDuplicateKeys(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown })?.writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return (error as { name?: string })?.name === 'MongoBulkWriteError' && list.length > 0 && list.every((w: { code?: number }) => w.code === DUPLICATE_KEY);
}
