import type { z } from 'zod';
import { DataAccessedData, DataAccessedDataV2, DataModifiedData, DataModifiedDataV2, LoginAttemptData } from './audit';
import {
  AppointmentBookedData,
  AppointmentCancelledData,
  AppointmentCompletedData,
  AppointmentReminderData,
  AppointmentUpdatedData,
  HealthRecordCreatedData,
  HealthRecordUpdatedData,
  PrescriptionCancelledData,
  PrescriptionCreatedData,
  PrescriptionUpdatedData,
} from './care';
import {
  DeliveryLocationData,
  StockLowData,
  StockReleasedData,
  StockReservationFailedData,
  StockReservedData,
} from './logistics';
import { OrderCreatedData, OrderDeletedData, OrderUpdatedData, StatusChangedData } from './orders';

/**
 * Every event type with the data schema of each supported version. A breaking change adds a
 * version here; consumers keep decoding the old one until the topic's retention has passed.
 */
export const EVENT_SCHEMAS = {
  'order.created': { 1: OrderCreatedData },
  'order.updated': { 1: OrderUpdatedData },
  'order.deleted': { 1: OrderDeletedData },
  'status.changed': { 1: StatusChangedData },
  'delivery.location.update': { 1: DeliveryLocationData },
  'stock.reserved': { 1: StockReservedData },
  'stock.reservation_failed': { 1: StockReservationFailedData },
  'stock.released': { 1: StockReleasedData },
  'stock.low': { 1: StockLowData },
  'appointment.booked': { 1: AppointmentBookedData },
  'appointment.updated': { 1: AppointmentUpdatedData },
  'appointment.cancelled': { 1: AppointmentCancelledData },
  'appointment.completed': { 1: AppointmentCompletedData },
  'appointment.reminder': { 1: AppointmentReminderData },
  'prescription.created': { 1: PrescriptionCreatedData },
  'prescription.updated': { 1: PrescriptionUpdatedData },
  'prescription.cancelled': { 1: PrescriptionCancelledData },
  'health_record.created': { 1: HealthRecordCreatedData },
  'health_record.updated': { 1: HealthRecordUpdatedData },
  'data.accessed': { 1: DataAccessedData, 2: DataAccessedDataV2 },
  'data.modified': { 1: DataModifiedData, 2: DataModifiedDataV2 },
  'login.attempt': { 1: LoginAttemptData },
} as const satisfies Record<string, Record<number, z.ZodType>>;

export type EventType = keyof typeof EVENT_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

type Schemas<T extends EventType> = (typeof EVENT_SCHEMAS)[T];
type LatestVersion<T extends EventType> = keyof Schemas<T> & number;
/** The data payload of an event type (latest version), after defaults are applied. */
export type EventData<T extends EventType> = z.output<Schemas<T>[LatestVersion<T>]>;
/** What a producer may hand in: defaults not yet applied. */
export type EventDataInput<T extends EventType> = z.input<Schemas<T>[LatestVersion<T>]>;

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENT_SCHEMAS, value);
}

export function latestVersion(type: EventType): number {
  return Math.max(...Object.keys(EVENT_SCHEMAS[type]).map(Number));
}

export function dataSchema(type: EventType, version: number): z.ZodType | undefined {
  return (EVENT_SCHEMAS[type] as Record<number, z.ZodType>)[version];
}
