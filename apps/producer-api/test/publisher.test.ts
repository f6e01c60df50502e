import { CompressionTypes, type Producer } from 'kafkajs';
import { topicCompression } from '@medlives/kafka';
import { Counter, Histogram, Registry } from 'prom-client';
import { AppError } from '@medlives/errors';
import { BatchingPublisher } from '../src/publisher';

function metrics() {
  const registers = [new Registry()];
  return {
    sendDuration: new Histogram({ name: 'd', help: 'd', labelNames: ['outcome'] as const, registers }),
    batchSize: new Histogram({ name: 'b', help: 'b', registers }),
    errors: new Counter({ name: 'e', help: 'e', labelNames: ['code'] as const, registers }),
  };
}

const event = (key: string, n: number) => ({ topic: 't', message: { key, value: String(n), headers: {} } });

/** A fake producer: records batches; each call resolves or hangs as the test decides. */
function fakeProducer() {
  const batches: string[][] = [];
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const producer = {
    sendBatch: jest.fn(({ topicMessages }: { topicMessages: Array<{ messages: Array<{ value: string }> }> }) => {
      batches.push(topicMessages.flatMap((t) => t.messages.map((m) => m.value)));
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    }),
  };
  return { producer: producer as unknown as Producer, batches, pending };
}

describe('BatchingPublisher', () => {
  it('when requests arrive while a batch is in flight, then they form the next batch in arrival order', async () => {
    const fake = fakeProducer();
    const publisher = new BatchingPublisher(fake.producer, { lingerMs: 0, maxBatch: 100, timeoutMs: 5_000 }, metrics());
    const first = publisher.publish(event('k', 1));
    const rest = [2, 3, 4].map((n) => publisher.publish(event('k', n)));
    expect(fake.batches).toEqual([['1']]);
    fake.pending[0]!.resolve();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(fake.batches).toEqual([['1'], ['2', '3', '4']]);
    fake.pending[1]!.resolve();
    await Promise.all(rest);
  });

  it('when Kafka does not answer within the bound, then queued requests are never sent and sent ones fail as an unknown outcome', async () => {
    const fake = fakeProducer();
    const m = metrics();
    const unknown = jest.fn();
    const publisher = new BatchingPublisher(fake.producer, { lingerMs: 0, maxBatch: 100, timeoutMs: 50, onUnknownOutcome: unknown }, m);
    const inFlight = publisher.publish(event('k', 1));
    const queued = publisher.publish(event('k', 2));
    await expect(queued).rejects.toMatchObject({ code: 'KAFKA_TIMEOUT', retriable: true, message: expect.stringContaining('nothing was sent') });
    await expect(inFlight).rejects.toMatchObject({ code: 'KAFKA_TIMEOUT', message: expect.stringContaining('outcome is unknown') });
    expect(unknown).toHaveBeenCalledTimes(1);
    // The late answer of the batch settles nothing twice and counts no second error.
    fake.pending[0]!.reject(new Error('broker gone'));
    await new Promise((r) => setImmediate(r));
    expect(fake.batches).toEqual([['1']]);
    expect((await m.errors.get()).values.map((v) => [v.labels.code, v.value]).sort()).toEqual([['KAFKA_TIMEOUT', 2]]);
  });

  it('when Kafka refuses a batch within the bound, then its requests fail KAFKA_UNAVAILABLE', async () => {
    const fake = fakeProducer();
    const m = metrics();
    const publisher = new BatchingPublisher(fake.producer, { lingerMs: 0, maxBatch: 100, timeoutMs: 5_000 }, m);
    const sent = publisher.publish(event('k', 1));
    fake.pending[0]!.reject(new Error('broker gone'));
    await expect(sent).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
    expect((await m.errors.get()).values.map((v) => [v.labels.code, v.value])).toEqual([['KAFKA_UNAVAILABLE', 1]]);
  });

  it('when draining for shutdown, then queued records are flushed and new ones refused', async () => {
    const fake = fakeProducer();
    const publisher = new BatchingPublisher(fake.producer, { lingerMs: 1_000, maxBatch: 100, timeoutMs: 5_000 }, metrics());
    const queued = publisher.publish(event('k', 1));
    const drained = publisher.drain();
    await new Promise((r) => setImmediate(r));
    expect(fake.batches).toEqual([['1']]);
    fake.pending[0]!.resolve();
    await Promise.all([queued, drained]);
    await expect(publisher.publish(event('k', 2))).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
  });

  it('when a batch spans topics of different codecs, then each codec goes out in its own request: gzip topics gzip-compressed, the rest as the broker compresses them', async () => {
    const calls: Array<{ compression: unknown; topics: string[] }> = [];
    const producer = {
      sendBatch: jest.fn(async ({ compression, topicMessages }: { compression: unknown; topicMessages: Array<{ topic: string }> }) => {
        calls.push({ compression, topics: topicMessages.map((t) => t.topic) });
      }),
    } as unknown as Producer;
    const publisher = new BatchingPublisher(producer, { lingerMs: 5, maxBatch: 100, timeoutMs: 5_000, compressionFor: topicCompression('x-') }, metrics());
    const to = (topic: string, n: number) => publisher.publish({ topic, message: { key: 'k', value: String(n), headers: {} } });
    await Promise.all([to('x-order-events', 1), to('x-delivery-tracking', 2), to('x-status-updates', 3), to('elsewhere', 4)]);
    // lz4 topics go uncompressed (the broker compresses them; it refuses lz4js frames)
    expect(calls).toHaveLength(2);
    expect(calls).toEqual(
      expect.arrayContaining([
        { compression: CompressionTypes.GZIP, topics: ['x-order-events', 'x-status-updates'] },
        { compression: CompressionTypes.None, topics: ['x-delivery-tracking', 'elsewhere'] },
      ]),
    );
  });
});

