import type { OrderDoc } from './types';

/**
 * The documents this instance wrote last, so the next batch touching an order skips the read.
 * Safe because a stale entry cannot be written back unnoticed: on MongoDB the replace is guarded
 * by the cached revision (a miss re-reads), and where writes are not conditional (FerretDB) one
 * member owns all of an order's partitions and the cache is cleared on every rebalance.
 * Bounded by count and by an estimate of the bytes held (orders of 200 long items are ~60 KB).
 */
export class DocCache {
  private readonly docs = new Map<string, { doc: OrderDoc; bytes: number }>();
  private held = 0;

  constructor(
    private readonly capacity: number,
    /** @default 64 MiB */
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.docs.size;
  }

  /** Estimated bytes held (UTF-16 length of the JSON form). */
  get bytes(): number {
    return this.held;
  }

  get(key: string): OrderDoc | undefined {
    const entry = this.docs.get(key);
    if (entry) {
      // Map iteration order is insertion order: re-inserting makes this the most recent.
      this.docs.delete(key);
      this.docs.set(key, entry);
    }
    return entry?.doc;
  }

  set(doc: OrderDoc): void {
    if (this.capacity <= 0) return;
    this.delete(doc._id);
    const bytes = JSON.stringify(doc).length;
    if (bytes > this.maxBytes) return;
    this.docs.set(doc._id, { doc, bytes });
    this.held += bytes;
    while (this.docs.size > this.capacity || this.held > this.maxBytes) this.delete(this.docs.keys().next().value as string);
  }

  delete(key: string): void {
    const entry = this.docs.get(key);
    if (!entry) return;
    this.docs.delete(key);
    this.held -= entry.bytes;
  }

  clear(): void {
    this.docs.clear();
    this.held = 0;
  }
}
