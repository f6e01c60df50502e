import type { Producer, ProducerBatch } from 'kafkajs';
import type { Logger } from 'pino';
import { AppError } from '@medlives/errors';

/**
 * The API's one Kafka producer, replaced after any send that failed or whose outcome is unknown.
 * KafkaJS rolls an idempotent producer's sequence numbers back after a failed request
 * (tulios/kafkajs#598): later batches can be acknowledged as duplicates and silently dropped, or
 * fail OUT_OF_ORDER_SEQUENCE_NUMBER until a restart. A fresh producer gets a fresh producer id and
 * sequence, so one bad request cannot poison the ones after it. Readiness is false from the
 * failure until the new producer is connected.
 */
export class ProducerSlot {
  private producer: Producer;
  private connected = false;
  private generation = 0;
  private running = false;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly create: () => Producer,
    private readonly logger: Logger,
    private readonly retryMs = 2_000,
  ) {
    this.producer = this.create();
  }

  get ready(): boolean {
    return this.connected;
  }

  start(): void {
    this.running = true;
    this.connecting ??= this.connectLoop();
  }

  async sendBatch(batch: ProducerBatch): Promise<void> {
    if (!this.connected) throw new AppError('KAFKA_UNAVAILABLE', 'the Kafka producer is not connected');
    const generation = this.generation;
    try {
      await this.producer.sendBatch(batch);
    } catch (error) {
      if (generation === this.generation) this.replace(`send failed: ${(error as Error).message}`);
      throw error;
    }
  }

  /** Drops the current producer (aborting what it has in flight) and connects a new one. */
  replace(reason: string): void {
    // Not connected: a replacement (or the first connect) is already under way.
    if (!this.running || !this.connected) return;
    this.generation++;
    this.connected = false;
    this.logger.warn({ reason }, 'replacing the Kafka producer; not ready until the new one connects');
    const old = this.producer;
    void old.disconnect().catch(() => undefined);
    this.producer = this.create();
    this.connecting ??= this.connectLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.connected = false;
    await this.producer.disconnect().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    try {
      while (this.running && !this.connected) {
        const generation = this.generation;
        const producer = this.producer;
        try {
          await producer.connect();
          if (generation === this.generation && this.running) this.connected = true;
          else await producer.disconnect().catch(() => undefined);
        } catch (error) {
          this.logger.warn({ err: (error as Error).message }, 'Kafka not reachable; writes answer 503 until it is');
          if (generation === this.generation) {
            // A producer whose connect failed half-way is not reused.
            await producer.disconnect().catch(() => undefined);
            this.producer = this.create();
            this.generation++;
          }
          await new Promise((r) => setTimeout(r, this.retryMs).unref());
        }
      }
    } finally {
      this.connecting = undefined;
    }
  }
}
