import { BatchAccumulator, type FlushOutcome } from '@medlives/consumer';

function setup(maxEvents = 4, maxWaitMs = 5_000, outcome: () => FlushOutcome | Promise<FlushOutcome> = () => 'committed') {
  const flushes: number[][] = [];
  const acc = new BatchAccumulator<number>({
    maxEvents,
    maxWaitMs,
    flush: async (entries) => {
      flushes.push(entries);
      return outcome();
    },
  });
  return { acc, flushes };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BatchAccumulator', () => {
  afterEach(() => jest.useRealTimers());

  it('when the batch reaches maxEvents, then it flushes without waiting', async () => {
    const { acc, flushes } = setup(4);
    acc.enter();
    acc.enter();
    acc.enter();
    const a = acc.submit([1, 2]);
    const b = acc.submit([3, 4]);
    await expect(Promise.all([a, b])).resolves.toEqual(['committed', 'committed']);
    expect(flushes).toEqual([[1, 2, 3, 4]]);
  });

  it('when every running handler is parked, then the partial batch flushes at once', async () => {
    const { acc, flushes } = setup(100);
    acc.enter();
    acc.enter();
    const a = acc.submit([1]);
    await tick();
    expect(flushes).toEqual([]);
    const b = acc.submit([2, 3]);
    await Promise.all([a, b]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('when a handler leaves, then the parked ones are no longer waiting for it', async () => {
    const { acc, flushes } = setup(100);
    acc.enter();
    acc.enter();
    const a = acc.submit([1]);
    await tick();
    acc.leave();
    await a;
    expect(flushes).toEqual([[1]]);
  });

  it('when input trickles in while a handler is busy elsewhere, then maxWaitMs bounds the wait', async () => {
    jest.useFakeTimers();
    const { acc, flushes } = setup(100, 5_000);
    acc.enter();
    acc.enter();
    const a = acc.submit([1]);
    jest.advanceTimersByTime(4_999);
    await Promise.resolve();
    expect(flushes).toEqual([]);
    jest.advanceTimersByTime(1);
    jest.useRealTimers();
    await a;
    expect(flushes).toEqual([[1]]);
  });

  it('when a chunk does not fit, then it starts the next batch and batches never exceed maxEvents', async () => {
    const { acc, flushes } = setup(4);
    for (let i = 0; i < 3; i++) acc.enter();
    // Each handler returns to KafkaJS once its chunk is committed.
    const handler = (chunk: number[]) => acc.submit(chunk).finally(() => acc.leave());
    await Promise.all([handler([1, 2, 3]), handler([4, 5]), handler([6])]);
    expect(flushes.every((f) => f.length <= 4)).toBe(true);
    expect(flushes.flat().sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('when a flush is in flight, then the next batch waits for it (one writer per instance)', async () => {
    let release: (o: FlushOutcome) => void = () => undefined;
    let inFlight = 0;
    let maxInFlight = 0;
    const acc = new BatchAccumulator<number>({
      maxEvents: 1,
      maxWaitMs: 1_000,
      flush: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const outcome = await new Promise<FlushOutcome>((r) => (release = r));
        inFlight--;
        return outcome;
      },
    });
    acc.enter();
    acc.enter();
    const a = acc.submit([1]);
    const b = acc.submit([2]);
    await tick();
    release('committed');
    await a;
    await tick();
    release('committed');
    await b;
    expect(maxInFlight).toBe(1);
  });

  it('when a flush needs a retry, then queued batches are handed back too instead of hitting the sink', async () => {
    let calls = 0;
    const acc = new BatchAccumulator<number>({
      maxEvents: 1,
      maxWaitMs: 1_000,
      flush: async () => {
        calls++;
        return 'retry';
      },
    });
    acc.enter();
    acc.enter();
    const outcomes = await Promise.all([acc.submit([1]), acc.submit([2])]);
    expect(outcomes).toEqual(['retry', 'retry']);
    expect(calls).toBe(1);
  });

  it('when the flush function throws, then the chunk is retried, never committed', async () => {
    const acc = new BatchAccumulator<number>({ maxEvents: 10, maxWaitMs: 0, flush: () => Promise.reject(new Error('boom')) });
    acc.enter();
    await expect(acc.submit([1])).resolves.toBe('retry');
  });

  it('when draining, then the open batch flushes although other handlers are still running', async () => {
    const { acc, flushes } = setup(100);
    acc.enter();
    acc.enter();
    const a = acc.submit([7]);
    await acc.drain();
    await expect(a).resolves.toBe('committed');
    expect(flushes).toEqual([[7]]);
  });

  it('when a chunk is larger than a batch, then it is refused as a programming error', () => {
    const { acc } = setup(2);
    expect(() => acc.submit([1, 2, 3])).toThrow(/exceeds maxEvents/);
  });

  it('when more batches may be in flight, then independent partitions are written concurrently', async () => {
    const releases: Array<(o: FlushOutcome) => void> = [];
    const acc = new BatchAccumulator<number>({ maxEvents: 1, maxWaitMs: 0, maxInFlight: 2, flush: () => new Promise((r) => releases.push(r)) });
    acc.enter();
    acc.enter();
    const a = acc.submit([1]);
    const b = acc.submit([2]);
    await tick();
    expect(releases).toHaveLength(2);
    releases.forEach((r) => r('committed'));
    await expect(Promise.all([a, b])).resolves.toEqual(['committed', 'committed']);
  });
});
