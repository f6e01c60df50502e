import type { Producer } from 'kafkajs';
import pino from 'pino';
import { waitFor } from '@medlives/testkit';
import { ProducerSlot } from '../src/producer-slot';

/** Fake producers (a pure unit): each records its id, connects at once, sends as told. */
function factory() {
  const made: Array<{ id: number; disconnected: boolean; fail: boolean }> = [];
  const create = () => {
    const state = { id: made.length + 1, disconnected: false, fail: false };
    made.push(state);
    return {
      connect: async () => undefined,
      disconnect: async () => void (state.disconnected = true),
      sendBatch: async () => {
        if (state.fail) throw new Error('NOT_ENOUGH_REPLICAS');
        return [];
      },
    } as unknown as Producer;
  };
  return { made, create };
}

describe('ProducerSlot', () => {
  it('when a send fails, then that producer is dropped and a new one (new producer id) takes over once connected', async () => {
    const { made, create } = factory();
    const slot = new ProducerSlot(create, pino({ level: 'silent' }), 10);
    slot.start();
    await waitFor('first connect', () => slot.ready);
    await slot.sendBatch({ topicMessages: [] });
    made[0]!.fail = true;
    await expect(slot.sendBatch({ topicMessages: [] })).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(made[0]!.disconnected).toBe(true);
    await waitFor('the replacement', () => slot.ready);
    expect(made.length).toBe(2);
    await slot.sendBatch({ topicMessages: [] });
    await slot.stop();
    expect(slot.ready).toBe(false);
  });

  it('when not connected, then a send is refused as KAFKA_UNAVAILABLE without touching Kafka', async () => {
    const { create } = factory();
    const slot = new ProducerSlot(create, pino({ level: 'silent' }), 10);
    await expect(slot.sendBatch({ topicMessages: [] })).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true });
  });
});
