import { createHash } from 'node:crypto';
import mongoose, { type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Keyring, Sealed } from '@medlives/crypto';
import type { Envelope } from '@medlives/events';
import { type MongoServerInfo, mongoAppError } from '@medlives/mongo';

export interface StoredResponse {
  status: number;
  body: unknown;
}

interface IdempotencyDoc {
  _id: string;
  requestHash: string;
  state: 'pending' | 'done';
  response?: StoredResponse;
  /** The event built for the request, stored before it is published: a re-drive sends this one. */
  envelope?: Envelope;
  /** The same, sealed (AES-256-GCM) when the API holds encryption keys: care data stays encrypted at rest here too. */
  sealedEnvelope?: Sealed;
  /** When the current holder claimed the key; the lease runs from here (epoch = free to take over). */
  claimedAt?: Date;
  createdAt: Date;
  expiresAt: Date;
}

export type Claim =
  | { kind: 'new' }
  /** A pending record whose holder's lease ran out: publish its envelope again (same ids). */
  | { kind: 'redrive'; envelope: Envelope }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-progress'; retryAfterMs: number };

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${JSON.stringify(body ?? null)}`).digest('hex');
}

/**
 * Idempotency-Key records in MongoDB, shared by every API replica. Expiry uses a TTL index where
 * the server has one (MongoDB); FerretDB has none, so there expired records are ignored on read
 * and swept periodically — the behaviour clients see is the same.
 *
 * A pending claim holds a short lease. A holder that crashed, lost MongoDB before `complete`, or
 * could not learn whether Kafka took the event leaves the record pending; once the lease is over
 * the next request with the key takes it over and re-publishes the stored envelope, so a retry
 * never mints a second order. Two replicas taking over at once (FerretDB updates are not atomic)
 * publish the same event id twice, which the consumers' per-event idempotency absorbs.
 */
export class IdempotencyStore {
  private readonly model: Model<IdempotencyDoc>;
  ttlIndex = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    connection: Connection,
    private readonly ttlMs: number,
    private readonly now: () => Date = () => new Date(),
    private readonly leaseMs = 10_000,
    /** When set, stored envelopes are sealed with it (they may carry health data and patient contacts). */
    private readonly keyring?: Keyring,
  ) {
    const schema = new mongoose.Schema<IdempotencyDoc>(
      {
        _id: String,
        requestHash: { type: String, required: true },
        state: { type: String, required: true },
        response: { type: Object },
        envelope: { type: Object },
        sealedEnvelope: { type: Object },
        claimedAt: { type: Date },
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
    try {
      return await this.tryClaim(`${scope}:${key}`, hash);
    } catch (error) {
      throw mongoAppError(error, { store: 'idempotency' });
    }
  }

  private async tryClaim(id: string, hash: string): Promise<Claim> {
    const now = this.now();
    // An expired record (no TTL index yet, or the sweeper not run) is as good as absent.
    await this.model.deleteOne({ _id: id, expiresAt: { $lte: now } });
    try {
      await this.model.create({ _id: id, requestHash: hash, state: 'pending', claimedAt: now, createdAt: now, expiresAt: new Date(now.getTime() + this.ttlMs) });
      return { kind: 'new' };
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    const existing = await this.model.findById(id).lean();
    if (!existing) return this.tryClaim(id, hash);
    if (existing.requestHash !== hash) return { kind: 'mismatch' };
    if (existing.state === 'done' && existing.response) return { kind: 'replay', response: existing.response };
    const claimedAt = existing.claimedAt ?? existing.createdAt;
    const leaseLeft = claimedAt.getTime() + this.leaseMs - now.getTime();
    if (leaseLeft > 0) return { kind: 'in-progress', retryAfterMs: leaseLeft };
    const taken = await this.model.updateOne({ _id: id, state: 'pending', claimedAt: existing.claimedAt ?? { $exists: false } }, { $set: { claimedAt: now } });
    if (taken.modifiedCount === 0) return this.tryClaim(id, hash);
    // No envelope: the holder died before building it, so nothing was published — start afresh.
    const envelope = this.storedEnvelope(existing);
    return envelope ? { kind: 'redrive', envelope } : { kind: 'new' };
  }

  private storedEnvelope(doc: IdempotencyDoc): Envelope | undefined {
    if (doc.sealedEnvelope) {
      // Without the key that sealed it the stored event cannot be re-driven; DECRYPT_FAILED says why.
      if (!this.keyring) throw new Error(`idempotency record ${doc._id} holds a sealed event but this API has no ENCRYPTION_KEYS`);
      return this.keyring.openJson<Envelope>(doc.sealedEnvelope, `medlives:idempotency_keys:${doc._id}`);
    }
    return doc.envelope;
  }

  /** Stores the event before it is published, so whoever holds the key later sends the same one. */
  async prepare(scope: string, key: string, envelope: Envelope): Promise<void> {
    const id = `${scope}:${key}`;
    const stored = this.keyring ? { sealedEnvelope: this.keyring.sealJson(envelope, `medlives:idempotency_keys:${id}`) } : { envelope };
    await this.write(() => this.model.updateOne({ _id: id, state: 'pending' }, { $set: stored }));
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.write(() => this.model.updateOne({ _id: `${scope}:${key}` }, { $set: { state: 'done', response } }));
  }

  /** The outcome is unknown (Kafka did not answer in time): end the lease so a retry re-drives at once. */
  async abandon(scope: string, key: string): Promise<void> {
    await this.write(() => this.model.updateOne({ _id: `${scope}:${key}`, state: 'pending' }, { $set: { claimedAt: new Date(0) } }));
  }

  /** The request was refused before anything was built: let the client retry with the same key. */
  async release(scope: string, key: string): Promise<void> {
    await this.write(() => this.model.deleteOne({ _id: `${scope}:${key}`, state: 'pending', envelope: { $exists: false }, sealedEnvelope: { $exists: false } }));
  }

  private async write(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      throw mongoAppError(error, { store: 'idempotency' });
    }
  }
}
