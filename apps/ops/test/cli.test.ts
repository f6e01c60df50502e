import type { KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS } from '@medlives/consumer';
import { UsageError, parseArgs } from '../src/args';
import { runCli } from '../src/cli';
import { parseFrom } from '../src/commands/replay';
import { redriveHeaders } from '../src/commands/dlq';
import { findGroup } from '../src/context';
import { MARKER_HEADERS, classify, payloadSummary, statuses } from '../src/dlq/entries';

const io = () => {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l) } };
};

describe('medlives CLI', () => {
  it('when no command is given, then it prints the commands and exits 2', async () => {
    const { lines, io: out } = io();
    await expect(runCli([], out)).resolves.toBe(2);
    expect(lines.join('\n')).toMatch(/status[\s\S]*replay[\s\S]*dlq/);
  });

  it('when a command is unknown or misused, then it exits 2 saying why', async () => {
    const a = io();
    await expect(runCli(['frobnicate'], a.io)).resolves.toBe(2);
    const b = io();
    await expect(runCli(['replay', '--group', 'order-persistence-service'], b.io)).resolves.toBe(2);
    expect(b.lines[0]).toMatch(/--from are required/);
    const c = io();
    await expect(runCli(['replay', '--group', 'nope', '--from', 'earliest'], c.io, { env: {} })).resolves.toBe(2);
    expect(c.lines[0]).toMatch(/unknown group "nope"/);
  });

  it('when options are parsed, then values, inline values and flags are told apart', () => {
    const parsed = parseArgs(['list', 'g', '--offset', '2:7', '--json', '--value-file=/tmp/x'], ['json']);
    expect(parsed.positional).toEqual(['list', 'g']);
    expect(Object.fromEntries(parsed.options)).toEqual({ offset: '2:7', json: true, 'value-file': '/tmp/x' });
    expect(() => parseArgs(['--offset'])).toThrow(UsageError);
  });

  it('when --from is not earliest, then only a zoned ISO-8601 instant is accepted', () => {
    expect(parseFrom('earliest')).toBe('earliest');
    expect(parseFrom('2026-11-21T08:00:00Z')).toBe(Date.parse('2026-11-21T08:00:00Z'));
    expect(parseFrom('2026-11-21T09:00:00.000+01:00')).toBe(Date.parse('2026-11-21T08:00:00Z'));
    expect(() => parseFrom('2026-11-21')).toThrow(/ISO-8601/);
    expect(() => parseFrom('yesterday')).toThrow(UsageError);
  });

  it('when a group is named by id, app or key, then the same group is found', () => {
    expect(findGroup('order-persistence').id).toBe('order-persistence-service');
    expect(findGroup('orderPersistence').id).toBe('order-persistence-service');
    expect(findGroup('p.order-persistence-service', 'p.').id).toBe('order-persistence-service');
  });
});

describe('dead-letter bookkeeping', () => {
  const record = (partition: number, offset: string, headers: Record<string, string>, value: string | null = '{}') => ({
    partition,
    message: { offset, key: Buffer.from('k'), value: value === null ? null : Buffer.from(value), headers, timestamp: '0', attributes: 0 } as unknown as KafkaMessage,
  });
  const dead = (original: string) => ({ [DLQ_HEADERS.errorCode]: 'SCHEMA_INVALID', [DLQ_HEADERS.originalTopic]: 'order-events', [DLQ_HEADERS.originalPartition]: '1', [DLQ_HEADERS.originalOffset]: original });

  it('when a marker closes an entry, then it is redriven; a second copy of the same record is a duplicate', () => {
    const { entries, markers } = classify([
      record(0, '0', dead('10')),
      record(0, '1', dead('11')),
      record(1, '0', dead('10')),
      record(0, '2', { [MARKER_HEADERS.marker]: 'redriven', [MARKER_HEADERS.of]: '0:0', [MARKER_HEADERS.at]: 'then', [MARKER_HEADERS.to]: 'order-events/1@99' }, null),
    ]);
    expect(entries).toHaveLength(3);
    const s = statuses(entries, markers);
    expect(s.get('0:0')).toMatchObject({ state: 'redriven' });
    expect(s.get('0:1')).toEqual({ state: 'pending' });
    expect(s.get('1:0')).toEqual({ state: 'duplicate', of: '0:0' });
  });

  it('when a fixed envelope replaces the value, then its type, id and version travel in the headers', () => {
    const [entry] = classify([record(0, '5', { ...dead('3'), 'event-type': 'order.created', 'event-id': 'old' })]).entries;
    const fixed = Buffer.from(JSON.stringify({ eventType: 'order.updated', eventId: 'new', version: 1 }));
    expect(redriveHeaders(entry!, 'g.dlq', fixed)).toEqual({ 'event-type': 'order.updated', 'event-id': 'new', 'event-version': '1', 'x-redriven-from': 'g.dlq/0/5' });
    expect(redriveHeaders(entry!, 'g.dlq', entry!.value)).toEqual({ 'event-type': 'order.created', 'event-id': 'old', 'x-redriven-from': 'g.dlq/0/5' });
  });

  it('when payloads are summarised, then envelopes show type and ids and garbage its size', () => {
    expect(payloadSummary(Buffer.from(JSON.stringify({ eventType: 'order.created', eventId: 'e1', data: { orderId: 'o1' } })))).toBe('order.created o1 e1');
    expect(payloadSummary(Buffer.from([0xff, 0x00]))).toBe('2 bytes, not JSON');
    expect(payloadSummary(null)).toBe('(empty)');
  });
});
