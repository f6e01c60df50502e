import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AppointmentBookedData,
  AppointmentCancelledData,
  AppointmentUpdatedData,
  DeliveryLocationData,
  type EventType,
  HealthRecordCreatedData,
  HealthRecordUpdatedData,
  NonEmptyText,
  OrderCreatedData,
  OrderDeletedData,
  OrderStatus,
  OrderUpdatedData,
  PrescriptionCancelledData,
  PrescriptionCreatedData,
  PrescriptionUpdatedData,
  StatusChangedData,
} from '@medlives/events';

/** What a handler knows besides the body when it builds an event's data. */
export interface BuildContext {
  params: Record<string, string>;
  tenantCode: string;
  userId: string;
  now: Date;
  /** Current order status from the read model, when the route needs it. */
  currentStatus?: string | null;
}

/**
 * One write endpoint: the HTTP shape, the event it publishes, and how the body becomes event
 * data. The router and the OpenAPI document are both generated from this table.
 */
export interface WriteRoute {
  readonly method: 'post' | 'patch' | 'delete';
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly eventType: EventType;
  /** The event data schema (validates the built data; the source of the documented body). */
  readonly dataSchema: z.ZodType;
  /** Where the body sits inside the event data: merged at the root, or under one field. */
  readonly bodyAt: 'root' | 'changes';
  /** Data fields filled from the path; a body naming them is refused. */
  readonly pathFields: Readonly<Record<string, string>>;
  /** Id field generated when the client omits it (creation endpoints). */
  readonly generatedId?: { field: string; prefix: string };
  /** The id echoed back as `<entity>Id` in the 202 body. */
  readonly entityIdField: string;
  /** Body optional (e.g. DELETE). */
  readonly bodyOptional?: boolean;
  /** For bodies that are not a slice of the data schema (status changes). */
  readonly customBody?: { schema: z.ZodType; build(body: Record<string, unknown>, ctx: BuildContext): Record<string, unknown> };
  readonly needsCurrentStatus?: boolean;
}

export const StatusChangeBody = z.strictObject({ status: OrderStatus, reason: NonEmptyText(500).optional() });

const id = (prefix: string) => `${prefix}_${randomUUID()}`;

export const WRITE_ROUTES: readonly WriteRoute[] = [
  {
    method: 'post', path: '/orders', operationId: 'createOrder', summary: 'Create an order', tag: 'orders',
    eventType: 'order.created', dataSchema: OrderCreatedData, bodyAt: 'root', pathFields: {},
    generatedId: { field: 'orderId', prefix: 'ord' }, entityIdField: 'orderId',
  },
  {
    method: 'patch', path: '/orders/:orderId', operationId: 'updateOrder', summary: 'Update an order', tag: 'orders',
    eventType: 'order.updated', dataSchema: OrderUpdatedData, bodyAt: 'changes', pathFields: { orderId: 'orderId' }, entityIdField: 'orderId',
  },
  {
    method: 'delete', path: '/orders/:orderId', operationId: 'deleteOrder', summary: 'Delete (soft) an order', tag: 'orders',
    eventType: 'order.deleted', dataSchema: OrderDeletedData, bodyAt: 'root', pathFields: { orderId: 'orderId' }, entityIdField: 'orderId',
    bodyOptional: true,
  },
  {
    method: 'post', path: '/orders/:orderId/status', operationId: 'changeOrderStatus', summary: 'Change an order status', tag: 'orders',
    eventType: 'status.changed', dataSchema: StatusChangedData, bodyAt: 'root', pathFields: { orderId: 'orderId' }, entityIdField: 'orderId',
    needsCurrentStatus: true,
    customBody: {
      schema: StatusChangeBody,
      build: (body, ctx) => ({
        orderId: ctx.params.orderId,
        tenantCode: ctx.tenantCode,
        oldStatus: ctx.currentStatus ?? null,
        newStatus: body.status,
        changedBy: ctx.userId,
        ...(body.reason === undefined ? {} : { reason: body.reason }),
        at: ctx.now.toISOString(),
      }),
    },
  },
  {
    method: 'post', path: '/deliveries/:orderId/locations', operationId: 'postDeliveryLocation', summary: 'Post a courier location', tag: 'deliveries',
    eventType: 'delivery.location.update', dataSchema: DeliveryLocationData, bodyAt: 'root', pathFields: { orderId: 'orderId' }, entityIdField: 'orderId',
  },
  {
    method: 'post', path: '/appointments', operationId: 'bookAppointment', summary: 'Book an appointment', tag: 'care',
    eventType: 'appointment.booked', dataSchema: AppointmentBookedData, bodyAt: 'root', pathFields: {},
    generatedId: { field: 'appointmentId', prefix: 'apt' }, entityIdField: 'appointmentId',
  },
  {
    method: 'patch', path: '/appointments/:appointmentId', operationId: 'updateAppointment', summary: 'Update an appointment', tag: 'care',
    eventType: 'appointment.updated', dataSchema: AppointmentUpdatedData, bodyAt: 'root', pathFields: { appointmentId: 'appointmentId' }, entityIdField: 'appointmentId',
  },
  {
    method: 'post', path: '/appointments/:appointmentId/cancel', operationId: 'cancelAppointment', summary: 'Cancel an appointment', tag: 'care',
    eventType: 'appointment.cancelled', dataSchema: AppointmentCancelledData, bodyAt: 'root', pathFields: { appointmentId: 'appointmentId' }, entityIdField: 'appointmentId',
  },
  {
    method: 'post', path: '/prescriptions', operationId: 'createPrescription', summary: 'Create a prescription', tag: 'care',
    eventType: 'prescription.created', dataSchema: PrescriptionCreatedData, bodyAt: 'root', pathFields: {},
    generatedId: { field: 'prescriptionId', prefix: 'rx' }, entityIdField: 'prescriptionId',
  },
  {
    method: 'patch', path: '/prescriptions/:prescriptionId', operationId: 'updatePrescription', summary: 'Update a prescription', tag: 'care',
    eventType: 'prescription.updated', dataSchema: PrescriptionUpdatedData, bodyAt: 'root', pathFields: { prescriptionId: 'prescriptionId' }, entityIdField: 'prescriptionId',
  },
  {
    method: 'post', path: '/prescriptions/:prescriptionId/cancel', operationId: 'cancelPrescription', summary: 'Cancel a prescription', tag: 'care',
    eventType: 'prescription.cancelled', dataSchema: PrescriptionCancelledData, bodyAt: 'root', pathFields: { prescriptionId: 'prescriptionId' }, entityIdField: 'prescriptionId',
  },
  {
    method: 'post', path: '/health-records', operationId: 'createHealthRecord', summary: 'Create a health record', tag: 'care',
    eventType: 'health_record.created', dataSchema: HealthRecordCreatedData, bodyAt: 'root', pathFields: {},
    generatedId: { field: 'recordId', prefix: 'hr' }, entityIdField: 'recordId',
  },
  {
    method: 'patch', path: '/health-records/:recordId', operationId: 'updateHealthRecord', summary: 'Update a health record', tag: 'care',
    eventType: 'health_record.updated', dataSchema: HealthRecordUpdatedData, bodyAt: 'root', pathFields: { recordId: 'recordId' }, entityIdField: 'recordId',
  },
];

export function newId(route: WriteRoute): string | undefined {
  return route.generatedId ? id(route.generatedId.prefix) : undefined;
}
