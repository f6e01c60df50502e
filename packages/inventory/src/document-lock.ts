import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { AppError } from '@medlives/errors';

/** One link of a key's lock chain: generation `gen` held by `owner` until `expiresAt`. */
interface LockDoc {
  _id: string;
  key: string;
  gen: number;
  /** The fencing token of this generation: greater than every earlier generation's. */
  token: number;
  owner: string;
  expiresAt: Date;
  released?: boolean;
}

/** What a holder gets: the token its writes carry so a later holder's writes fence it out. */
export interface LockGrant {
  readonly token: number;
}

export const DOCUMENT_LOCKS_COLLECTION = 'document_locks';

/**
 * A per-document mutex with fencing tokens, for servers whose single-document updates are not
 * atomic (FerretDB v1). The only atomic primitive it relies on is the unique `_id` of an insert,
 * which FerretDB does enforce.
 *
 * Each acquisition inserts the next link of the key's chain (`<key>#<gen>`): of two waiters that
 * saw the same latest link, only one insert succeeds. A holder that dies or stalls loses its link
 * when the lease expires, and the next holder's link carries a strictly greater token (the
 * previous link's token + 1, or the clock if greater), whatever the replicas' clocks say. A lease
 * alone cannot stop a stalled holder from writing when it wakes up (issue 12 hole 10); the token
 * does: every guarded write is filtered on the document's `fence` being at most the writer's
 * token and records the token, so once a newer holder wrote, an older one's writes match nothing.
 *
 * Links are pruned as the chain grows (each holder deletes the link before its own), so the
 * collection stays at about one document per key.
 */
export class DocumentLock {
  private readonly owner = randomUUID();

  constructor(
    private readonly connection: Connection,
    private readonly leaseMs = 5_000,
    private readonly waitMs = 15_000,
  ) {}

  private get locks() {
    return this.connection.collection<LockDoc>(DOCUMENT_LOCKS_COLLECTION);
  }

  private async latest(key: string): Promise<LockDoc | null> {
    return this.locks.find({ key }).sort({ gen: -1 }).limit(1).next();
  }

  async withLock<T>(key: string, fn: (grant: LockGrant) => Promise<T>): Promise<T> {
    const link = await this.acquire(key);
    try {
      return await fn({ token: link.token });
    } finally {
      // A holder fenced out or past its lease marks a link nobody looks at any more: harmless.
      await this.locks.updateOne({ _id: link._id, owner: link.owner }, { $set: { released: true } });
    }
  }

  private async acquire(key: string): Promise<LockDoc> {
    const owner = `${this.owner}:${randomUUID()}`;
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; ; attempt++) {
      const last = await this.latest(key);
      if (!last || last.released || last.expiresAt.getTime() <= Date.now()) {
        const gen = (last?.gen ?? 0) + 1;
        const link: LockDoc = {
          _id: `${key}#${gen}`,
          key,
          gen,
          token: Math.max((last?.token ?? 0) + 1, Date.now()),
          owner,
          expiresAt: new Date(Date.now() + this.leaseMs),
        };
        try {
          await this.locks.insertOne(link);
          if (last) await this.locks.deleteOne({ _id: last._id });
          return link;
        } catch (error) {
          if ((error as { code?: number }).code !== 11000) throw error;
        }
      }
      if (Date.now() > deadline) throw new AppError('DB_TIMEOUT', `lock ${key} not acquired within ${this.waitMs} ms`);
      // Waiters back off (jittered, up to 250 ms): every poll is load on the server the holder waits for.
      await new Promise((r) => setTimeout(r, Math.min(250, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));
    }
  }
}

/** The error of a holder whose lease a newer holder took over: retry from the start. */
export function fencedOut(key: string, token: number, fence: number): AppError {
  return new AppError('DB_UNAVAILABLE', `lock ${key} was taken over (fencing token ${token} < ${fence}): this holder stalled past its lease; retry`, {
    context: { key, token, fence, fenced: true },
  });
}
