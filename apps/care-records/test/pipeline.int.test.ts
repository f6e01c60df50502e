/**
 * Issue 10 acceptance (care records pipeline): the status machine holds against late updates, an
 * update of an unknown record and a malformed record on each consumed topic go to the group's
 * DLQ, a replay from the earliest offset changes nothing, and two replicas publish each due
 * reminder once.
 */
import type { KafkaMessage } from 'kafkajs';
import { COLLECTIONS } from '@medlives/care';
import { DLQ_HEADERS } from '@medlives/consumer';
import { type Envelope, createEvent, decodeEvent } from '@medlives/events';
import { resolveTopicName } from '@medlives/topology';
import { publishRaw, waitFor } from '@medlives/testkit';
import { readWholeTopic } from '../../ops/src/dlq/read';
import { GROUP, type Harness, harness, newKey } from './support/harness';

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
const actor = { userId: 'dr-who', role: 'doctor' as const };
const ev = (eventType: string, data: Record<string, unknown>, tenantCode = 'clinic-1'): Envelope =>
  createEvent({ eventType, tenantCode, source: 'test', actor, data } as never) as Envelope;
const booking = (appointmentId: string, patientId: string, startsAt: Date) =>
  ev('appointment.booked', { appointmentId, patientId, doctorId: 'doc-1', date: startsAt.toISOString().slice(0, 10), time: startsAt.toISOString().slice(11, 16), reason: 'check-up', visitType: 'virtual' });

describe('care records pipeline', () => {
  let h: Harness;
  const keys = newKey('k1');
  beforeAll(async () => {
    h = await harness('care-pipe', { ENCRYPTION_KEYS: keys });
  }, 60_000);
  afterAll(() => h?.cleanup());

  const doc = (collection: string, id: string) => h.conn.collection(collection).findOne({ _id: id as never });
  const dlq = () => readWholeTopic(h.topo.kafka, resolveTopicName(GROUP.dlq, h.topo.prefix));

  it('when an update arrives after the cancellation, then the appointment stays cancelled; an unknown record and malformed records go to the DLQ', async () => {
    const app = await h.startApp();
    const later = new Date(Date.now() + 30 * 86_400_000);
    const late = ev('appointment.updated', { appointmentId: 'apt-c', patientId: 'pat-c', changes: { status: 'confirmed', time: '16:00' } });
    const orphan = ev('prescription.updated', { prescriptionId: 'rx-nobody', patientId: 'pat-c', changes: { dosage: '2 tablets' } });
    await h.publish(
      booking('apt-c', 'pat-c', later),
      ev('appointment.cancelled', { appointmentId: 'apt-c', patientId: 'pat-c', reason: 'patient travelling' }),
      late,
      orphan,
      ev('prescription.created', { prescriptionId: 'rx-c', patientId: 'pat-c', doctorId: 'doc-1', medication: 'Ibuprofen', dosage: '200mg', frequency: 'as needed', startDate: '2026-12-01', endDate: '2026-12-05', patient: { phone: '+1 555 0100' } }),
      ev('prescription.updated', { prescriptionId: 'rx-c', patientId: 'pat-c', changes: { status: 'inactive' } }),
    );
    const topics = GROUP.topics.map((t) => resolveTopicName(t, h.topo.prefix));
    const garbage = ['{not json', '{"eventType":"prescription.created","data":{}}', Buffer.from([0xff, 0x00, 0x13])];
    for (const [i, topic] of topics.entries()) await publishRaw(h.topo.kafka, topic, [{ key: 'pat-c', value: garbage[i]! }]);
    // Behind the poison on each topic, a valid event is still applied.
    await h.publish(ev('health_record.created', { recordId: 'hr-after', patientId: 'pat-c', doctorId: 'd', recordType: 'treatment', description: 'physiotherapy', recordDate: '2026-11-30' }));
    await waitFor('the record after the poison', () => doc(COLLECTIONS.health_record, 'clinic-1:hr-after'), { timeoutMs: 30_000 });
    await h.drained();

    const apt = (await doc(COLLECTIONS.appointment, 'clinic-1:apt-c'))!;
    expect(apt.status).toBe('cancelled');
    expect(apt.fields.time).toBe(later.toISOString().slice(11, 16));
    expect(apt.rejected).toEqual([expect.objectContaining({ eventId: late.eventId, reason: expect.stringContaining('cancelled') })]);

    const dead = await waitFor('four dead letters', async () => {
      const all = await dlq();
      return all.length >= 4 ? all : undefined;
    }, { timeoutMs: 30_000 });
    expect(dead).toHaveLength(4);
    const malformed = dead.filter((d) => header(d.message, DLQ_HEADERS.errorCode) !== 'NOT_FOUND');
    expect(malformed.map((d) => header(d.message, DLQ_HEADERS.originalTopic)).sort()).toEqual([...topics].sort());
    for (const d of malformed) expect(['MALFORMED_JSON', 'SCHEMA_INVALID', 'EMPTY_VALUE']).toContain(header(d.message, DLQ_HEADERS.errorCode));
    const notFound = dead.find((d) => header(d.message, DLQ_HEADERS.errorCode) === 'NOT_FOUND')!;
    const decoded = decodeEvent(notFound.message);
    expect(decoded.ok && decoded.envelope.eventId).toBe(orphan.eventId);
    expect(header(notFound.message, 'x-error-message')).toContain('prescription rx-nobody of patient pat-c is unknown');
    expect(await app.registry.getSingleMetric('medlives_care_events_total')?.get()).toMatchObject({ values: expect.arrayContaining([expect.objectContaining({ labels: { outcome: 'rejected' }, value: 1 })]) });
    await app.stop();
  });

  it('when the group is replayed from the earliest offset, then no stored document changes', async () => {
    const snapshot = async () => {
      const dump = await h.rawDump();
      return Object.fromEntries(Object.entries(dump).filter(([name]) => name.startsWith('care_')).map(([name, docs]) => [name, JSON.stringify(docs.sort((a: any, b: any) => String(a._id).localeCompare(String(b._id))))]));
    };
    const before = await snapshot();
    expect(Object.keys(before).sort()).toEqual([COLLECTIONS.appointment, COLLECTIONS.health_record, COLLECTIONS.patient, COLLECTIONS.prescription].sort());
    const replay = await h.cli(keys, 'replay', '--group', GROUP.id, '--from', 'earliest');
    expect(replay.code).toBe(0);
    const app = await h.startApp();
    await waitFor('the replay to be read', async () => {
      const m = await app.registry.getSingleMetric('medlives_care_events_total')?.get();
      return (m?.values.find((v) => v.labels.outcome === 'skipped')?.value ?? 0) >= 6;
    }, { timeoutMs: 60_000 });
    await h.drained();
    expect(await snapshot()).toEqual(before);
    // Replayed dead letters are dead-lettered again (the DLQ is the place to see them), nothing else.
    await app.stop();
  });

  it('when two replicas sweep for reminders, then each due appointment gets exactly one appointment.reminder', async () => {
    const env = { REMINDER_SWEEP_MS: '200', REMINDER_WINDOW_MINUTES: '120', REMINDER_LEASE_MS: '30000' };
    const soon = new Date(Date.now() + 40 * 60_000);
    const far = new Date(Date.now() + 3 * 86_400_000);
    await h.publish(
      booking('apt-soon', 'pat-r', soon),
      booking('apt-far', 'pat-r', far),
      booking('apt-off', 'pat-r', soon),
      ev('appointment.cancelled', { appointmentId: 'apt-off', patientId: 'pat-r' }),
    );
    // Stored first by a replica without reminders, so no sweep sees apt-off between its booking and its cancellation.
    const quiet = await h.startApp();
    await waitFor('the appointments', async () => (await doc(COLLECTIONS.appointment, 'clinic-1:apt-off'))?.status === 'cancelled', { timeoutMs: 30_000 });
    await quiet.stop();
    const a = await h.startApp(env);
    const b = await h.startApp(env);
    await waitFor('the reminder claim', () => h.conn.collection(COLLECTIONS.reminderClaims).findOne({ appointmentId: 'apt-soon', publishedAt: { $exists: true } }), { timeoutMs: 30_000 });
    // Let both replicas sweep several more times after the claim before counting.
    const sweeps = async () => Promise.all([a, b].map(async (app) => (await app.registry.getSingleMetric('medlives_care_reminder_sweeps_total')?.get())?.values[0]?.value ?? 0));
    const at = await sweeps();
    await waitFor('five more sweeps on each replica', async () => (await sweeps()).every((n, i) => n >= at[i]! + 5), { timeoutMs: 30_000 });

    const topic = resolveTopicName(GROUP.topics[0]!, h.topo.prefix);
    const reminders = (await readWholeTopic(h.topo.kafka, topic))
      .map((r) => decodeEvent(r.message))
      .flatMap((d) => (d.ok && d.envelope.eventType === 'appointment.reminder' ? [d.envelope] : []));
    expect(reminders.map((r) => (r.data as { appointmentId: string }).appointmentId)).toEqual(['apt-soon']);
    expect(reminders[0]).toMatchObject({ tenantCode: 'clinic-1', source: 'care-records-service', data: { patientId: 'pat-r' } });
    const published = await Promise.all([a, b].map(async (app) => (await app.registry.getSingleMetric('medlives_care_reminders_total')?.get())?.values[0]?.value ?? 0));
    expect(published.reduce((x, y) => x + y, 0)).toBe(1);
    expect(await h.conn.collection(COLLECTIONS.reminderClaims).countDocuments()).toBe(1);
  });
});
