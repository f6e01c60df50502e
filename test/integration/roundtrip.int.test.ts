import mongoose from 'mongoose';
import { HEADERS, type Envelope, decodeEvent, encodeEvent, headerString } from '@medlives/events';
import { CONSUMER_GROUPS, resolveGroupId } from '@medlives/topology';
import { type IsolatedTopology, isolatedTopology, randomMongoUrl, sampleEvent, waitFor } from '@medlives/testkit';

describe('an envelope round trip', () => {
  let env: IsolatedTopology;
  beforeAll(async () => {
    env = await isolatedTopology('roundtrip');
  });
  afterAll(() => env.cleanup());

  it('when published by an idempotent acks=all producer, then a committing consumer group reads it back intact', async () => {
    const event = sampleEvent('order.created', { tenantCode: 'pharma-rt' });
    const { topic, message } = encodeEvent(event, { prefix: env.prefix });
    const producer = env.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const [ack] = await producer.send({ topic, acks: -1, messages: [message] });
    await producer.disconnect();
    expect(ack?.errorCode).toBe(0);

    const groupId = resolveGroupId(CONSUMER_GROUPS.orderPersistence, env.prefix);
    const consumer = env.kafka.consumer({ groupId });
    const received: Array<{ envelope: Envelope; key: string | undefined; type: string | undefined }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message: m, partition }) => {
        const decoded = decodeEvent(m);
        if (!decoded.ok) throw new Error(decoded.message);
        received.push({ envelope: decoded.envelope, key: m.key?.toString(), type: headerString(m, HEADERS.eventType) });
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(m.offset) + 1n).toString() }]);
      },
    });
    await waitFor('the record', () => received.length === 1);
    await consumer.disconnect();

    expect(received[0]).toEqual({ envelope: event, key: 'pharma-rt', type: 'order.created' });
    const committed = await env.admin.fetchOffsets({ groupId, topics: [topic] });
    const total = committed[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    expect(total).toBe(1);
  });

  it('when stored through Mongoose on the MongoDB-wire server, then it reads back equal', async () => {
    const { url } = randomMongoUrl('roundtrip');
    const conn = await mongoose.createConnection(url).asPromise();
    try {
      const Events = conn.model(
        'Event',
        new mongoose.Schema({ _id: String, eventType: String, tenantCode: String, envelope: Object }, { versionKey: false }),
      );
      const event = sampleEvent('prescription.created');
      await Events.create({ _id: event.eventId, eventType: event.eventType, tenantCode: event.tenantCode, envelope: event });
      // An upsert with the same id is the idempotent path every sink relies on.
      await Events.updateOne({ _id: event.eventId }, { $setOnInsert: { envelope: { overwritten: true } } }, { upsert: true });
      const stored = await Events.findById(event.eventId).lean();
      expect(stored?.envelope).toEqual(event);
      expect(await Events.countDocuments()).toBe(1);
    } finally {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    }
  });
});
