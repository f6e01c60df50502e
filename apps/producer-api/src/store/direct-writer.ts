import type { Connection } from 'mongoose';
import { AppError } from '@medlives/errors';
import type { Envelope } from '@medlives/events';
import type { ApiMetrics } from '../http/metrics';

/**
 * WRITE_MODE=direct|dual: the pre-Kafka design, one synchronous MongoDB insert per request.
 * Kept as the rollback path during migration and as the benchmark baseline.
 */
export class DirectWriter {
  static readonly COLLECTION = 'direct_events';

  constructor(
    private readonly connection: Connection,
    private readonly metrics: ApiMetrics,
  ) {}

  async insert(envelope: Envelope): Promise<void> {
    try {
      await this.connection.collection(DirectWriter.COLLECTION).insertOne({ _id: envelope.eventId as never, ...envelope, storedAt: new Date() });
      this.metrics.mongoWrites.inc({ collection: DirectWriter.COLLECTION, op: 'insert' });
    } catch (error) {
      throw new AppError('DB_UNAVAILABLE', `direct write failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
