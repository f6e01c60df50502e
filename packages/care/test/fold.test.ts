import { type Envelope, createEvent } from '@medlives/events';
import { applyContact, applyEvent, createRecord } from '../src/fold';

let offset = 0;
const at = (o = ++offset) => ({ topic: 'appointment-events', partition: 0, offset: String(o) });
const actor = { userId: 'u1', role: 'tenant' as const };
const ev = (eventType: string, data: Record<string, unknown>, occurredAt = new Date('2026-11-30T10:00:00Z')): Envelope =>
  createEvent({ eventType, tenantCode: 'clinic-1', source: 'test', actor, data, occurredAt } as never) as Envelope;
const booked = () => ev('appointment.booked', { appointmentId: 'apt-1', patientId: 'pat-1', doctorId: 'doc-1', date: '2026-12-01', time: '09:30', reason: 'chest pain', visitType: 'in_person', patient: { phone: '+44 20 7946 0001' } });

describe('care fold', () => {
  it('when an appointment is booked, then its secret fields are separated from the clear ones', () => {
    const s = createRecord(booked(), at())!;
    expect(s.status).toBe('scheduled');
    expect(s.secret).toEqual({ reason: 'chest pain' });
    expect(s.fields).toEqual({ doctorId: 'doc-1', date: '2026-12-01', time: '09:30', visitType: 'in_person' });
  });

  it('when an update arrives after the cancellation, then the appointment stays cancelled and the update is kept as rejected', () => {
    const s = createRecord(booked(), at())!;
    expect(applyEvent(s, ev('appointment.cancelled', { appointmentId: 'apt-1', patientId: 'pat-1', reason: 'ill' }), at())).toBe('applied');
    const late = ev('appointment.updated', { appointmentId: 'apt-1', patientId: 'pat-1', changes: { status: 'confirmed', time: '11:00' } });
    expect(applyEvent(s, late, at())).toBe('rejected');
    expect(s.status).toBe('cancelled');
    expect(s.fields.time).toBe('09:30');
    expect(s.rejected.map((r) => r.eventId)).toEqual([late.eventId]);
    expect(s.secret.cancelReason).toBe('ill');
  });

  it('when an update moves a status backwards, then it is refused; a legal move applies', () => {
    const s = createRecord(booked(), at())!;
    expect(applyEvent(s, ev('appointment.updated', { appointmentId: 'apt-1', patientId: 'pat-1', changes: { status: 'confirmed' } }), at())).toBe('applied');
    expect(applyEvent(s, ev('appointment.updated', { appointmentId: 'apt-1', patientId: 'pat-1', changes: { status: 'scheduled' } }), at())).toBe('rejected');
    expect(s.status).toBe('confirmed');
    expect(applyEvent(s, ev('appointment.completed', { appointmentId: 'apt-1', patientId: 'pat-1', notes: 'fine' }), at())).toBe('applied');
    expect(applyEvent(s, ev('appointment.cancelled', { appointmentId: 'apt-1', patientId: 'pat-1' }), at())).toBe('rejected');
    expect(s.status).toBe('completed');
  });

  it('when the same events are applied again (replay or redelivery), then nothing changes', () => {
    const b = booked();
    const first = at();
    const s = createRecord(b, first)!;
    const upd = ev('appointment.updated', { appointmentId: 'apt-1', patientId: 'pat-1', changes: { time: '12:00' } });
    const updAt = at();
    applyEvent(s, upd, updAt);
    const snapshot = JSON.stringify(s);
    expect(applyEvent(s, b, first)).toBe('skipped');
    expect(applyEvent(s, upd, updAt)).toBe('skipped');
    // Same event through the re-drive topic: another position, same id.
    expect(applyEvent(s, upd, { topic: 'care-records-service.redrive', partition: 0, offset: '0' })).toBe('skipped');
    expect(JSON.stringify(s)).toBe(snapshot);
  });

  it('when a prescription is cancelled, then a later update cannot reactivate it', () => {
    const s = createRecord(ev('prescription.created', { prescriptionId: 'rx-1', patientId: 'pat-1', doctorId: 'd', medication: 'Amoxicillin', dosage: '500mg', frequency: '3x', startDate: '2026-12-01', endDate: '2026-12-08' }), at())!;
    expect(s.secret).toEqual({ medication: 'Amoxicillin', dosage: '500mg', frequency: '3x' });
    applyEvent(s, ev('prescription.cancelled', { prescriptionId: 'rx-1', patientId: 'pat-1' }), at());
    expect(applyEvent(s, ev('prescription.updated', { prescriptionId: 'rx-1', patientId: 'pat-1', changes: { status: 'active' } }), at())).toBe('rejected');
    expect(s.status).toBe('cancelled');
  });

  it('when a health record is updated, then its sealed details merge', () => {
    const s = createRecord(ev('health_record.created', { recordId: 'hr-1', patientId: 'pat-1', doctorId: 'd', recordType: 'lab_result', description: 'HbA1c', results: '7.9%', recordDate: '2026-11-30' }), at())!;
    expect(applyEvent(s, ev('health_record.updated', { recordId: 'hr-1', patientId: 'pat-1', changes: { diagnosis: 'type 2 diabetes' } }), at())).toBe('applied');
    expect(s.secret).toEqual({ description: 'HbA1c', results: '7.9%', diagnosis: 'type 2 diabetes' });
    expect(s.fields).toEqual({ doctorId: 'd', recordType: 'lab_result', recordDate: '2026-11-30' });
  });

  it('when contacts arrive, then the newest wins and an older one is not applied', () => {
    const newer = applyContact(undefined, booked(), at(), 'pat-1')!;
    expect(newer.state.secret).toEqual({ phone: '+44 20 7946 0001' });
    const older = ev('prescription.created', { prescriptionId: 'rx-2', patientId: 'pat-1', doctorId: 'd', medication: 'm', dosage: 'd', frequency: 'f', startDate: '2026-12-01', endDate: '2026-12-02', patient: { phone: '+44 20 0000 0000' } }, new Date('2026-11-01T00:00:00Z'));
    expect(applyContact(newer.state, older, at(), 'pat-1')!.outcome).toBe('rejected');
    expect(newer.state.secret).toEqual({ phone: '+44 20 7946 0001' });
  });
});
