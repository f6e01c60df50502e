/**
 * `medlives dlq list <group> [--json]`             what is in the group's dead-letter topic, and its state
 * `medlives dlq show <group> --offset [P:]N`       one entry's payload (to inspect or fix it)
 * `medlives dlq redrive <group> [--offset [P:]N] [--value-file F] [--dry-run]`
 *     re-publishes pending entries, in DLQ order, to the group's own re-drive topic (only that
 *     group consumes it: see `redriveTopic` in @medlives/topology for why not the original topic)
 *     with their original key and headers, then appends a marker to the DLQ so no entry is ever
 *     re-driven twice.
 */
import { readFileSync } from 'node:fs';
import type { IHeaders, Kafka, Message } from 'kafkajs';
import { originalHeaders } from '@medlives/consumer';
import { HEADERS } from '@medlives/events';
import { resolveTopicName } from '@medlives/topology';
import { UsageError, flag, onlyOptions, option, parseArgs } from '../args';
import { type CliDeps, type CliIo, findGroup, kafkaContext } from '../context';
import { type DlqEntry, type EntryStatus, MARKER_HEADERS, classify, entryId, payloadSummary, statuses } from '../dlq/entries';
import { readWholeTopic } from '../dlq/read';
import { renderTable } from '../k8s/table';

export const DLQ_USAGE = [
  'usage: medlives dlq list <group> [--json]',
  '       medlives dlq show <group> --offset [<partition>:]<offset>',
  '       medlives dlq redrive <group> [--offset [<partition>:]<offset>] [--value-file <file>] [--dry-run]',
].join('\n');

interface Loaded {
  readonly topic: string;
  /** Where re-driven entries go: consumed by the owning group only. */
  readonly redriveTo: string;
  readonly entries: DlqEntry[];
  readonly status: Map<string, EntryStatus>;
}

async function load(kafka: Kafka, topic: string, redriveTo: string, io: CliIo): Promise<Loaded> {
  const progress = io.err ?? (() => undefined);
  const records = await readWholeTopic(kafka, topic, (read, total) => {
    if (read === total || read % 1_000 === 0) progress(`read ${read}/${total} records of ${topic}`);
  });
  const { entries, markers } = classify(records);
  return { topic, redriveTo, entries, status: statuses(entries, markers) };
}

/** `--offset 7` (when unambiguous) or `--offset 2:7`. */
function select(loaded: Loaded, spec: string): DlqEntry {
  const m = /^(?:(\d+):)?(\d+)$/.exec(spec);
  if (!m) throw new UsageError(`--offset must be <offset> or <partition>:<offset>, got "${spec}"`);
  const matches = loaded.entries.filter((e) => e.offset === m[2] && (m[1] === undefined || e.partition === Number(m[1])));
  if (matches.length === 0) throw new UsageError(`no dead letter at ${spec} in ${loaded.topic}`);
  if (matches.length > 1) throw new UsageError(`offset ${m[2]} exists in partitions ${matches.map((e) => e.partition).join(', ')}: use --offset <partition>:<offset>`);
  return matches[0]!;
}

function describe(status: EntryStatus | undefined): string {
  if (!status || status.state === 'pending') return 'pending';
  return status.state === 'redriven' ? `redriven ${status.marker.at} -> ${status.marker.to}` : `duplicate of ${status.of}`;
}

function list(loaded: Loaded, io: CliIo, json: boolean): number {
  if (json) {
    for (const e of loaded.entries) {
      io.out(JSON.stringify({ id: entryId(e), code: e.code, error: e.error, failedAt: e.failedAt, original: e.original, key: e.key?.toString() ?? null, payload: payloadSummary(e.value), status: describe(loaded.status.get(entryId(e))) }));
    }
    return 0;
  }
  const rows = loaded.entries.map((e) => [
    entryId(e),
    describe(loaded.status.get(entryId(e))),
    e.code,
    e.failedAt,
    `${e.original.topic}/${e.original.partition}@${e.original.offset}`,
    payloadSummary(e.value),
    e.error.length > 80 ? `${e.error.slice(0, 77)}...` : e.error,
  ]);
  for (const line of renderTable(['ID', 'STATUS', 'CODE', 'FAILED AT', 'ORIGINAL', 'PAYLOAD', 'ERROR'], rows)) io.out(line);
  const pending = [...loaded.status.values()].filter((s) => s.state === 'pending').length;
  io.out(`${loaded.entries.length} dead letter(s) in ${loaded.topic}, ${pending} pending`);
  return 0;
}

function show(entry: DlqEntry, io: CliIo): number {
  const value = entry.value ?? Buffer.alloc(0);
  const text = value.toString('utf8');
  // Binary garbage does not survive a terminal: hand it out as base64 instead.
  if (Buffer.from(text, 'utf8').equals(value)) io.out(text);
  else {
    (io.err ?? io.out)('value is not UTF-8; printing base64');
    io.out(value.toString('base64'));
  }
  return 0;
}

/** Headers for the re-published record; a replaced envelope brings its own type, id and version. */
export function redriveHeaders(entry: DlqEntry, dlqTopic: string, value: Buffer | null): IHeaders {
  const headers: IHeaders = { ...originalHeaders(entry.headers), 'x-redriven-from': `${dlqTopic}/${entry.partition}/${entry.offset}` };
  if (value && value !== entry.value) {
    try {
      const v = JSON.parse(value.toString('utf8')) as { eventType?: unknown; eventId?: unknown; version?: unknown };
      if (typeof v.eventType === 'string') headers[HEADERS.eventType] = v.eventType;
      if (typeof v.eventId === 'string') headers[HEADERS.eventId] = v.eventId;
      if (typeof v.version === 'number') headers[HEADERS.eventVersion] = String(v.version);
    } catch {
      /* not an envelope: keep the original headers */
    }
  }
  return headers;
}

async function redrive(kafka: Kafka, loaded: Loaded, targets: DlqEntry[], replacement: Buffer | undefined, io: CliIo, dryRun: boolean, now: () => Date): Promise<number> {
  const progress = io.err ?? io.out;
  const pending = targets.filter((e) => loaded.status.get(entryId(e))?.state === 'pending');
  for (const e of targets) {
    const s = loaded.status.get(entryId(e));
    if (s && s.state !== 'pending') io.out(`skip ${entryId(e)}: ${describe(s)}`);
  }
  if (dryRun || pending.length === 0) {
    io.out(`${dryRun ? 'dry run: would re-drive' : 'nothing to re-drive:'} ${pending.length} entr${pending.length === 1 ? 'y' : 'ies'}`);
    return 0;
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    let done = 0;
    for (const e of pending) {
      const value = replacement ?? e.value;
      const message: Message = { key: e.key, value, headers: redriveHeaders(e, loaded.topic, value) };
      // Re-drive topic first, marker second: a crash in between re-drives once more, which the
      // idempotent sink absorbs, instead of losing the record. One at a time, acks=all: in order.
      const [sent] = await producer.send({ topic: loaded.redriveTo, acks: -1, messages: [message] });
      const to = `${loaded.redriveTo}/${sent?.partition}@${sent?.baseOffset ?? sent?.offset}`;
      const marker: Message = {
        key: e.key,
        value: null,
        partition: e.partition,
        headers: { [MARKER_HEADERS.marker]: 'redriven', [MARKER_HEADERS.of]: entryId(e), [MARKER_HEADERS.at]: now().toISOString(), [MARKER_HEADERS.to]: to },
      };
      await producer.send({ topic: loaded.topic, acks: -1, messages: [marker] });
      done++;
      progress(`[${done}/${pending.length}] redriven ${entryId(e)} -> ${to}`);
    }
    io.out(`re-drove ${done} entr${done === 1 ? 'y' : 'ies'} from ${loaded.topic}`);
    return 0;
  } finally {
    await producer.disconnect();
  }
}

export async function dlqCommand(args: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const parsed = parseArgs(args, ['json', 'dry-run', 'help']);
  const [action, groupName, ...rest] = parsed.positional;
  if (flag(parsed, 'help') || !action) {
    io.out(DLQ_USAGE);
    return action || flag(parsed, 'help') ? 0 : 2;
  }
  if (!groupName || rest.length) throw new UsageError(DLQ_USAGE);
  const known: Record<string, string[]> = { list: ['json'], show: ['offset'], redrive: ['offset', 'value-file', 'dry-run'] };
  const allowed = known[action];
  if (!allowed) throw new UsageError(`unknown dlq action "${action}"\n${DLQ_USAGE}`);
  onlyOptions(parsed, allowed);
  const { kafka, prefix } = kafkaContext(deps);
  const group = findGroup(groupName, prefix);
  const topic = resolveTopicName(group.dlq, prefix);
  const offset = option(parsed, 'offset');
  const valueFile = option(parsed, 'value-file');
  if (action === 'show' && !offset) throw new UsageError('dlq show needs --offset');
  if (valueFile && !offset) throw new UsageError('--value-file replaces one entry: give --offset too');
  const replacement = valueFile ? readFileSync(valueFile) : undefined;
  const loaded = await load(kafka, topic, resolveTopicName(group.redrive, prefix), io);
  if (action === 'list') return list(loaded, io, flag(parsed, 'json'));
  if (action === 'show') return show(select(loaded, offset!), io);
  const targets = offset ? [select(loaded, offset)] : loaded.entries;
  return redrive(kafka, loaded, targets, replacement, io, flag(parsed, 'dry-run'), deps.now ?? (() => new Date()));
}
