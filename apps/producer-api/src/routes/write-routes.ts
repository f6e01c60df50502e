import { z } from 'zod';
import {
  AppointmentBookedData,
  AppointmentCancelledData,
  AppointmentUpdatedData,
  DeliveryLocationData,
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
import type { WriteSpec } from '../domain/write-spec';

/**
 * One write endpoint: the HTTP shape plus how it builds its event (domain/write-spec). The
 * router and the OpenAPI document are both generated from this table.
 */
export interface WriteRoute extends WriteSpec {
  readonly method: 'post' | 'patch' | 'delete';
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** Body optional (e.g. DELETE). */
  readonly bodyOptional?: boolean;
}

export const StatusChangeBody = z.strictObject({ status: OrderStatus, reason: NonEmptyText(500).optional() });

export const WRITE_ROUTES: readonly WriteRoute[] = [
  {
    method: 'post', path: '/orders', operationId: 'createOrder', summary: 'Create an order', tag: 'orders',
    eventType: 'order.created', dataSchema: OrderCreatedData, bodyAt: 'root', pathFields: {},
    generatedId: { field: 'orderId', prefix: 'ord' }, entityIdField: 'orderId',
    serverFields: {
      status: { reason: 'set by the server: an order starts pending and moves only through POST /orders/{orderId}/status', value: () => 'pending' },
      paymentStatus: { reason: 'set by the server: an order starts unpaid; payment moves only through POST /orders/{orderId}/status', value: () => 'unpaid' },
    },
    defaults: { orderDate: (ctx) => ctx.now.toISOString() },
  },
  {
    method: 'patch', path: '/orders/:orderId', operationId: 'updateOrder', summary: 'Update an order', tag: 'orders',
    eventType: 'order.updated', dataSchema: OrderUpdatedData, bodyAt: 'changes', pathFields: { orderId: 'orderId' }, entityIdField: 'orderId',
    serverFields: { paymentStatus: { reason: 'payment moves only through POST /orders/{orderId}/status' } },
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
