import { EventEmitter } from 'node:events';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createConsumerRuntime, decodeEnvelope } from '@medlives/consumer';
import { CONSUMER_GROUPS } from '@medlives/topology';

/** Just enough of KafkaJS to drive the runtime's event handling without a broker. */
function fakeKafka() {
  const consumer = Object.assign(new EventEmitter(), { events: { GROUP_JOIN: 'join', REBALANCING: 'rebalancing', CRASH: 'crash' } });
  const emit = (event: string, payload: object) => consumer.emit(event, { id: 1, type: event, timestamp: Date.now(), payload });
  const kafka = {
    consumer: () => consumer,
    producer: () => ({}),
    admin: () => ({}),
  };
  return { kafka: kafka as never, emit };
}

function runtime(onRebalance = jest.fn(), onFatal = jest.fn()) {
  const { kafka, emit } = fakeKafka();
  const rt = createConsumerRuntime({
    kafka,
    group: CONSUMER_GROUPS.orderPersistence,
    prefix: 'p.',
    sink: { write: async () => undefined, onRebalance },
    decode: decodeEnvelope,
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
    onFatal,
  });
  return { rt, emit, onRebalance, onFatal };
}

describe('consumer runtime lifecycle', () => {
  it('when KafkaJS crashes and will not restart, then the app is told to exit and liveness fails', () => {
    const { rt, emit, onFatal } = runtime();
    const error = new Error('coordinator gone for good');
    emit('crash', { error, restart: true, groupId: 'g' });
    expect(onFatal).not.toHaveBeenCalled();
    emit('crash', { error, restart: false, groupId: 'g' });
    expect(onFatal).toHaveBeenCalledWith(error);
    expect(rt.health()).toMatchObject({ ok: false, error: 'coordinator gone for good' });
  });

  it('when the member joins the group, then the sink drops state tied to the old assignment', () => {
    const { emit, onRebalance } = runtime();
    emit('join', { memberId: 'm', memberAssignment: {} });
    expect(onRebalance).toHaveBeenCalledTimes(1);
  });

  it('when names are resolved, then topics, group and DLQ carry the prefix and stop before start is a no-op', async () => {
    const { rt } = runtime();
    expect([rt.groupId, rt.topics, rt.dlqTopic]).toEqual(['p.order-persistence-service', ['p.order-events', 'p.status-updates', 'p.inventory-events', 'p.order-persistence-service.redrive'], 'p.order-persistence-service.dlq']);
    await expect(rt.stop()).resolves.toBeUndefined();
  });
});
