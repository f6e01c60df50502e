import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { AppError } from '@medlives/errors';

/**
 * A per-document mutex for servers whose single-document updates are not atomic (FerretDB v1).
 * It relies only on the unique `_id` constraint, which FerretDB does enforce atomically, so it
 * holds across API replicas. A holder that dies leaves a lock that expires after `leaseMs`.
 */
export class DocumentLock {
  private readonly owner = randomUUID();

  constructor(
    private readonly connection: Connection,
    private readonly leaseMs = 5_000,
    private readonly waitMs = 15_000,
  ) {}

  private get locks() {
    return this.connection.collection<{ _id: string; owner: string; expiresAt: Date }>('document_locks');
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const token = `${this.owner}:${randomUUID()}`;
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.locks.insertOne({ _id: key, owner: token, expiresAt: new Date(Date.now() + this.leaseMs) });
        break;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      // Only now and then look for an expired holder: every poll is load on the server the holder
      // is waiting for, and waiters back off (jittered, up to 250 ms) for the same reason.
      if (attempt % 4 === 3) await this.locks.deleteOne({ _id: key, expiresAt: { $lt: new Date() } });
      if (Date.now() > deadline) throw new AppError('DB_TIMEOUT', `lock ${key} not acquired within ${this.waitMs} ms`);
      await new Promise((r) => setTimeout(r, Math.min(250, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));
    }
    try {
      return await fn();
    } finally {
      await this.locks.deleteOne({ _id: key, owner: token });
    }
  }
}
