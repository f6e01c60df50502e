import { createHash } from 'node:crypto';
import mongoose, { type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';
import type { MongoServerInfo } from '@medlives/mongo';

export interface StoredResponse {
  status: number;
  body: unknown;
}

interface IdempotencyDoc {
  _id: string;
  requestHash: string;
  state: 'pending' | 'done';
  response?: StoredResponse;
  createdAt: Date;
  expiresAt: Date;
}

export type Claim =
  | { kind: 'new' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${JSON.stringify(body ?? null)}`).digest('hex');
}

/**
 * Idempotency-Key records in MongoDB, shared by every API replica. Expiry uses a TTL index where
 * the server has one (MongoDB); FerretDB has none, so there expired records are ignored on read
 * and swept periodically — the behaviour clients see is the same.
 */
export class IdempotencyStore {
  private readonly model: Model<IdempotencyDoc>;
  ttlIndex = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    connection: Connection,
    private readonly ttlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    const schema = new mongoose.Schema<IdempotencyDoc>(
      {
        _id: String,
        requestHash: { type: String, required: true },
        state: { type: String, required: true },
        response: { type: Object },
        createdAt: { type: Date, required: true },
        expiresAt: { type: Date, required: true },
      },
      { versionKey: false, autoIndex: false },
    );
    this.model = connection.model<IdempotencyDoc>('IdempotencyKey', schema, 'idempotency_keys');
  }

  /** Creates the TTL index, or, where the server has none, falls back to sweeping. */
  async init(server: MongoServerInfo, logger: Logger): Promise<void> {
    if (server.ttlIndexes) {
      await this.model.collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiresAt_ttl' });
      this.ttlIndex = true;
    } else {
      logger.warn({ server: server.kind }, 'no TTL indexes on this server: sweeping expired idempotency keys instead');
      await this.model.collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt_1' });
      this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), 60_000);
      this.sweeper.unref();
    }
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async sweep(): Promise<number> {
    const result = await this.model.deleteMany({ expiresAt: { $lte: this.now() } });
    return result.deletedCount;
  }

  /** Claims a key for this request, or says how an earlier request with it ended. */
  async claim(scope: string, key: string, hash: string): Promise<Claim> {
    const id = `${scope}:${key}`;
    const now = this.now();
    // An expired record (no TTL index yet, or the sweeper not run) is as good as absent.
    await this.model.deleteOne({ _id: id, expiresAt: { $lte: now } });
    try {
      await this.model.create({ _id: id, requestHash: hash, state: 'pending', createdAt: now, expiresAt: new Date(now.getTime() + this.ttlMs) });
      return { kind: 'new' };
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    const existing = await this.model.findById(id).lean();
    if (!existing) return this.claim(scope, key, hash);
    if (existing.requestHash !== hash) return { kind: 'mismatch' };
    if (existing.state === 'done' && existing.response) return { kind: 'replay', response: existing.response };
    return { kind: 'in-progress' };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.model.updateOne({ _id: `${scope}:${key}` }, { $set: { state: 'done', response } });
  }

  /** The request failed before anything was accepted: let the client retry with the same key. */
  async release(scope: string, key: string): Promise<void> {
    await this.model.deleteOne({ _id: `${scope}:${key}`, state: 'pending' });
  }
}
