import { z } from 'zod';
import { CalendarDate, Id, NonEmptyText, Phone, TimeOfDay, Timestamp, nonEmptyPatch } from './common';

/**
 * The patient's contact as the clinic knows it, optional on the events that open a record.
 * care-records keeps the latest per patient, sealed at rest.
 */
export const PatientContact = z
  .strictObject({ name: NonEmptyText(200).optional(), phone: Phone.optional(), email: z.email().optional() })
  .refine((c) => Object.values(c).some((x) => x !== undefined), { message: 'must give at least one of name, phone, email' });


export const AppointmentStatus = z.enum(['scheduled', 'confirmed', 'completed', 'cancelled']);
export const VisitType = z.enum(['in_person', 'virtual']);

const appointmentFields = {
  doctorId: Id,
  date: CalendarDate,
  time: TimeOfDay,
  reason: NonEmptyText(1_000),
  status: AppointmentStatus,
  visitType: VisitType,
};

export const AppointmentBookedData = z.strictObject({
  appointmentId: Id,
  patientId: Id,
  ...appointmentFields,
  status: AppointmentStatus.default('scheduled'),
  patient: PatientContact.optional(),
});
export const AppointmentUpdatedData = z.strictObject({
  appointmentId: Id,
  patientId: Id,
  changes: nonEmptyPatch(appointmentFields),
});
export const AppointmentCancelledData = z.strictObject({
  appointmentId: Id,
  patientId: Id,
  reason: NonEmptyText(1_000).optional(),
});
export const AppointmentCompletedData = z.strictObject({
  appointmentId: Id,
  patientId: Id,
  notes: NonEmptyText(5_000).optional(),
});
export const AppointmentReminderData = z.strictObject({
  appointmentId: Id,
  patientId: Id,
  remindAt: Timestamp,
  channel: z.enum(['sms', 'email', 'push']).optional(),
});

export const PrescriptionStatus = z.enum(['active', 'inactive', 'completed']);

const prescriptionFields = {
  doctorId: Id,
  medication: NonEmptyText(200),
  dosage: NonEmptyText(100),
  frequency: NonEmptyText(100),
  startDate: CalendarDate,
  endDate: CalendarDate,
  status: PrescriptionStatus,
};

export const PrescriptionCreatedData = z
  .strictObject({ prescriptionId: Id, patientId: Id, ...prescriptionFields, status: PrescriptionStatus.default('active'), patient: PatientContact.optional() })
  .refine((p) => p.endDate >= p.startDate, { path: ['endDate'], message: 'must not be before startDate' });
export const PrescriptionUpdatedData = z.strictObject({
  prescriptionId: Id,
  patientId: Id,
  changes: nonEmptyPatch(prescriptionFields),
});
export const PrescriptionCancelledData = z.strictObject({
  prescriptionId: Id,
  patientId: Id,
  reason: NonEmptyText(1_000).optional(),
});

export const HealthRecordType = z.enum(['lab_result', 'diagnosis', 'treatment']);

const healthRecordFields = {
  doctorId: Id,
  recordType: HealthRecordType,
  description: NonEmptyText(20_000),
  /** Details by kind; like `description`, sealed at rest by care-records. */
  results: NonEmptyText(20_000).optional(),
  diagnosis: NonEmptyText(20_000).optional(),
  treatment: NonEmptyText(20_000).optional(),
  recordDate: CalendarDate,
};

export const HealthRecordCreatedData = z.strictObject({ recordId: Id, patientId: Id, ...healthRecordFields, patient: PatientContact.optional() });
export const HealthRecordUpdatedData = z.strictObject({
  recordId: Id,
  patientId: Id,
  changes: nonEmptyPatch(healthRecordFields),
});
