import { randomUUID } from 'node:crypto';
import { type Envelope, type EventDataInput, type EventType, createEvent } from '@medlives/events';

const today = '2026-11-21';
const now = '2026-11-21T10:00:00.000Z';

/** One valid data payload per event type; tests mutate them to prove each field is checked. */
export function sampleData<T extends EventType>(type: T, ids: { tenantCode?: string; orderId?: string } = {}): EventDataInput<T> {
  const tenantCode = ids.tenantCode ?? 'pharma-001';
  const orderId = ids.orderId ?? 'ord-1';
  const samples: { [T in EventType]: EventDataInput<T> } = {
    'order.created': {
      orderId,
      tenantCode,
      customer: { name: 'Ada Lovelace', phone: '+44 20 7946 0000' },
      items: [
        { productId: 'prod-amox', medication: 'Amoxicillin 500mg', quantity: 2, unitPrice: 4.5 },
        { productId: 'prod-ibu', medication: 'Ibuprofen 200mg', quantity: 1, unitPrice: 3 },
      ],
      totalPrice: 12,
      status: 'pending',
      paymentStatus: 'unpaid',
      orderDate: now,
      deliveryDate: '2026-11-22T10:00:00.000Z',
    },
    'order.updated': { orderId, tenantCode, changes: { paymentStatus: 'paid' } },
    'order.deleted': { orderId, tenantCode, reason: 'customer request' },
    'status.changed': { orderId, tenantCode, oldStatus: 'pending', newStatus: 'paid', changedBy: 'user-1', reason: 'card', at: now },
    'delivery.location.update': {
      orderId,
      deliveryBoyId: 'rider-7',
      lat: 51.5,
      lng: -0.12,
      at: now,
      speed: 8.3,
      heading: 90,
      eta: '2026-11-21T10:20:00.000Z',
      device: { id: 'dev-1', platform: 'android', batteryPct: 80 },
    },
    'stock.reserved': { orderId, productId: 'prod-amox', items: [{ productId: 'prod-amox', quantity: 2, remaining: 98 }] },
    'stock.reservation_failed': {
      orderId,
      productId: 'prod-amox',
      items: [{ productId: 'prod-amox', requested: 500, available: 98, reason: 'insufficient_stock' }],
    },
    'stock.released': { orderId, productId: 'prod-amox', items: [{ productId: 'prod-amox', quantity: 2, remaining: 100 }], reason: 'cancelled' },
    'stock.low': { productId: 'prod-amox', remaining: 3, threshold: 10 },
    'appointment.booked': {
      appointmentId: 'apt-1',
      patientId: 'pat-1',
      doctorId: 'doc-1',
      date: today,
      time: '09:30',
      reason: 'annual check-up',
      status: 'scheduled',
      visitType: 'in_person',
    },
    'appointment.updated': { appointmentId: 'apt-1', patientId: 'pat-1', changes: { time: '10:00' } },
    'appointment.cancelled': { appointmentId: 'apt-1', patientId: 'pat-1', reason: 'patient ill' },
    'appointment.completed': { appointmentId: 'apt-1', patientId: 'pat-1', notes: 'all fine' },
    'appointment.reminder': { appointmentId: 'apt-1', patientId: 'pat-1', remindAt: now, channel: 'sms' },
    'prescription.created': {
      prescriptionId: 'rx-1',
      patientId: 'pat-1',
      doctorId: 'doc-1',
      medication: 'Amoxicillin 500mg',
      dosage: '500mg',
      frequency: 'every 8 hours',
      startDate: today,
      endDate: '2026-11-28',
      status: 'active',
    },
    'prescription.updated': { prescriptionId: 'rx-1', patientId: 'pat-1', changes: { dosage: '250mg' } },
    'prescription.cancelled': { prescriptionId: 'rx-1', patientId: 'pat-1', reason: 'allergy' },
    'health_record.created': {
      recordId: 'hr-1',
      patientId: 'pat-1',
      doctorId: 'doc-1',
      recordType: 'lab_result',
      description: 'HbA1c 5.4%',
      recordDate: today,
    },
    'health_record.updated': { recordId: 'hr-1', patientId: 'pat-1', changes: { description: 'HbA1c 5.5%' } },
    'data.accessed': { subjectId: 'pat-1', subjectType: 'patient', resource: 'health_record', resourceId: 'hr-1', purpose: 'treatment', action: 'GET /api/v1/patients/{patientId}/records', outcome: 'success', httpStatus: 200 },
    'data.modified': { subjectId: 'pat-1', subjectType: 'patient', resource: 'prescription', resourceId: 'rx-1', fields: ['dosage'], action: 'PATCH /api/v1/prescriptions/{prescriptionId}', outcome: 'success', httpStatus: 202 },
    'login.attempt': { subjectId: 'user-1', subjectType: 'user', success: false, method: 'password', ip: '127.0.0.1', reason: 'bad password' },
  };
  return structuredClone(samples[type]) as EventDataInput<T>;
}

export function sampleEvent<T extends EventType>(type: T, ids: { tenantCode?: string; orderId?: string } = {}): Envelope<T> {
  return createEvent({
    eventType: type,
    tenantCode: ids.tenantCode ?? 'pharma-001',
    source: 'test',
    actor: { userId: 'user-1', role: 'tenant' },
    data: sampleData(type, ids),
    correlationId: randomUUID(),
  });
}
