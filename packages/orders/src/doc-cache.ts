import type { OrderDoc } from './types';

/**
 * The documents this instance wrote last, so the next batch touching an order skips the read.
 * Safe because a stale entry cannot be written back unnoticed: on MongoDB the replace is guarded
 * by the cached revision (a miss re-reads), and where writes are not conditional (FerretDB) one
 * member owns all of an order's partitions and the cache is cleared on every rebalance.
 */
export class DocCache {
  private readonly docs = new Map<string, OrderDoc>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.docs.size;
  }

  get(key: string): OrderDoc | undefined {
    const doc = this.docs.get(key);
    if (doc) {
      // Map iteration order is insertion order: re-inserting makes this the most recent.
      this.docs.delete(key);
      this.docs.set(key, doc);
    }
    return doc;
  }

  set(doc: OrderDoc): void {
    if (this.capacity <= 0) return;
    this.docs.delete(doc._id);
    this.docs.set(doc._id, doc);
    while (this.docs.size > this.capacity) this.docs.delete(this.docs.keys().next().value as string);
  }

  delete(key: string): void {
    this.docs.delete(key);
  }

  clear(): void {
    this.docs.clear();
  }
}
