import { AppError } from '@medlives/errors';
import {
  DLQ_HEADERS,
  SinkWriter,
  assignByAffinity,
  backoffDelay,
  classifyError,
  isPermanent,
  commitPlan,
  computeLag,
  consumerMetrics,
  deadLetter,
  originalHeaders,
} from '@medlives/consumer';
import { Registry } from 'prom-client';

describe('backoffDelay', () => {
  it('when attempts grow, then the delay doubles up to the cap and keeps a jittered floor', () => {
    const low = (a: number) => backoffDelay(a, { initialMs: 100, maxMs: 1_000 }, () => 0);
    const high = (a: number) => backoffDelay(a, { initialMs: 100, maxMs: 1_000 }, () => 1);
    expect([1, 2, 3, 4, 5, 9].map(low)).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 9].map(high)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('when many replicas back off at once, then their delays spread out', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(5);
  });
});

describe('dead letters', () => {
  it('when a record is dead-lettered, then it keeps key, value and headers and says why and where', () => {
    const message = deadLetter({
      message: { key: Buffer.from('pharma-1'), value: Buffer.from([0xff, 0x00]), headers: { 'event-type': 'order.created' } },
      origin: { topic: 'order-events', partition: 3, offset: '42' },
      groupId: 'order-persistence-service',
      code: 'MALFORMED_JSON',
      error: 'x'.repeat(5_000),
      failedAt: new Date('2026-11-21T10:00:00.000Z'),
    });
    expect(message.key).toEqual(Buffer.from('pharma-1'));
    expect(message.value).toEqual(Buffer.from([0xff, 0x00]));
    expect(message.headers).toMatchObject({
      'event-type': 'order.created',
      [DLQ_HEADERS.errorCode]: 'MALFORMED_JSON',
      [DLQ_HEADERS.originalTopic]: 'order-events',
      [DLQ_HEADERS.originalPartition]: '3',
      [DLQ_HEADERS.originalOffset]: '42',
      [DLQ_HEADERS.consumerGroup]: 'order-persistence-service',
      [DLQ_HEADERS.failedAt]: '2026-11-21T10:00:00.000Z',
    });
    expect(String(message.headers?.[DLQ_HEADERS.errorMessage]).length).toBe(1_000);
    expect(originalHeaders(message.headers)).toEqual({ 'event-type': 'order.created' });
  });
});

describe('classifyError', () => {
  it.each([
    [new AppError('DB_UNAVAILABLE', 'down'), 'DB_UNAVAILABLE', true],
    [new AppError('SCHEMA_INVALID', 'bad'), 'SCHEMA_INVALID', false],
    [Object.assign(new Error('x'), { name: 'KafkaJSConnectionError', retriable: true }), 'KAFKA_UNAVAILABLE', true],
    [new TypeError('bug'), 'INTERNAL', false],
  ])('when the error is %p, then it is %s, retriable=%s', (error, code, retriable) => {
    expect(classifyError(error)).toMatchObject({ code, retriable });
  });
});

describe('isPermanent', () => {
  it('when KafkaJS gave up retrying a transient error, then it is not permanent; a protocol error it cannot retry is', () => {
    const connection = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError', retriable: true });
    const gaveUp = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false, cause: connection });
    const tooLarge = Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false });
    expect([isPermanent(gaveUp), isPermanent(tooLarge), isPermanent(new AppError('DB_UNAVAILABLE', 'x')), isPermanent(new TypeError('bug'))]).toEqual([false, true, false, true]);
  });
});

describe('computeLag', () => {
  it('when a partition was never committed, then its lag counts from the log start', () => {
    const lag = computeLag(
      [
        { topic: 't', partition: 0, high: '100', low: '0' },
        { topic: 't', partition: 1, high: '50', low: '10' },
        { topic: 't', partition: 2, high: '7', low: '7' },
      ],
      [
        { topic: 't', partition: 0, offset: '90' },
        { topic: 't', partition: 1, offset: '-1' },
      ],
    );
    expect(lag).toEqual([
      { topic: 't', partition: 0, lag: 10 },
      { topic: 't', partition: 1, lag: 40 },
      { topic: 't', partition: 2, lag: 0 },
    ]);
  });
});

describe('commitPlan', () => {
  it('when a batch spans partitions, then each commits one past its highest offset', () => {
    const o = (topic: string, partition: number, offset: string) => ({ origin: { topic, partition, offset } });
    expect(commitPlan([o('a', 0, '5'), o('a', 0, '9'), o('b', 2, '9007199254740993'), o('a', 1, '0')])).toEqual([
      { topic: 'a', partitions: [{ partition: 0, offset: '10' }, { partition: 1, offset: '1' }] },
      { topic: 'b', partitions: [{ partition: 2, offset: '9007199254740994' }] },
    ]);
  });
});

describe('assignByAffinity', () => {
  it('when topics of 6 and 4 partitions are keyed alike, then each key class lands on one member', () => {
    const plan = assignByAffinity(['m2', 'm1'], [
      { topic: 'orders', partitions: 6 },
      { topic: 'status', partitions: 4 },
    ]);
    expect(plan.get('m1')).toEqual({ orders: [0, 2, 4], status: [0, 2] });
    expect(plan.get('m2')).toEqual({ orders: [1, 3, 5], status: [1, 3] });
    // murmur2(key) % 6 and % 4 share parity for every key, so both land on the same member.
    for (let h = 0; h < 1_000; h++) {
      const owner = (topic: string, p: number) => [...plan].find(([, a]) => a[topic]?.includes(p))?.[0];
      expect(owner('orders', h % 6)).toBe(owner('status', h % 4));
    }
  });

  it('when there are more members than key classes, then the extra members get nothing', () => {
    const plan = assignByAffinity(['a', 'b', 'c'], [
      { topic: 'x', partitions: 6 },
      { topic: 'y', partitions: 4 },
    ]);
    expect(plan.get('c')).toEqual({});
  });
});

describe('SinkWriter', () => {
  const message = { key: null, value: Buffer.from('{}'), headers: {}, offset: '0', timestamp: '0', attributes: 0 } as never;
  const input = (value: number | null, offset: number) => ({
    origin: { topic: 't', partition: 0, offset: String(offset) },
    message,
    decoded: value === null ? ({ ok: false, code: 'MALFORMED_JSON', message: 'garbage' } as const) : ({ ok: true, value } as const),
  });

  it('when the sink throws a permanent error for a batch, then bisection dead-letters only the culprit', async () => {
    const written: number[] = [];
    const writer = new SinkWriter<number>(
      {
        async write(events) {
          if (events.some((e) => e.value === 13)) throw new AppError('INTERNAL', 'cannot store 13');
          written.push(...events.map((e) => e.value));
        },
      },
      'g',
      consumerMetrics(new Registry()),
    );
    const failed = await writer.write([input(1, 0), input(null, 1), input(13, 2), input(4, 3), input(5, 4)]);
    expect(failed.map((f) => [f.origin.offset, f.code])).toEqual([
      ['1', 'MALFORMED_JSON'],
      ['2', 'INTERNAL'],
    ]);
    expect(written.sort()).toEqual([1, 4, 5]);
  });

  it('when the sink throws a retriable error, then nothing is dead-lettered and the error propagates', async () => {
    const writer = new SinkWriter<number>(
      { write: () => Promise.reject(new AppError('DB_UNAVAILABLE', 'down')) },
      'g',
      consumerMetrics(new Registry()),
    );
    await expect(writer.write([input(1, 0), input(2, 1)])).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
  });

  it('when every record of a batch fails the same way (auth failure, code 18), then it is an outage: nothing is dead-lettered, a retriable error propagates', async () => {
    const authFailed = () => Object.assign(new Error('Authentication failed.'), { name: 'MongoServerError', code: 18 });
    const writer = new SinkWriter<number>({ write: () => Promise.reject(authFailed()) }, 'g', consumerMetrics(new Registry()));
    const error = await writer.write([input(1, 0), input(2, 1), input(3, 2), input(null, 3)]).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTERNAL', retriable: true });
  });

  it('when a single-record batch fails with a permanent error, then it is still poison (nothing to compare it with)', async () => {
    const writer = new SinkWriter<number>({ write: () => Promise.reject(new AppError('INTERNAL', 'cannot store')) }, 'g', consumerMetrics(new Registry()));
    const failed = await writer.write([input(1, 0)]);
    expect(failed.map((f) => f.code)).toEqual(['INTERNAL']);
  });

  it('when the sink rejects single events, then those go to the DLQ with the sink code', async () => {
    const writer = new SinkWriter<number>(
      { write: async () => ({ rejected: [{ index: 1, error: new AppError('CONFLICT', 'dup') }] }) },
      'g',
      consumerMetrics(new Registry()),
    );
    const failed = await writer.write([input(1, 0), input(2, 1)]);
    expect(failed.map((f) => [f.origin.offset, f.code])).toEqual([['1', 'CONFLICT']]);
  });
});
