import { z } from 'zod';
import { Id, NonEmptyText, Timestamp } from './common';

export const DeliveryLocationData = z.strictObject({
  orderId: Id,
  deliveryBoyId: Id,
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  at: Timestamp,
  /** metres per second */
  speed: z.number().nonnegative().max(100).optional(),
  /** degrees clockwise from north */
  heading: z.number().min(0).lt(360).optional(),
  eta: Timestamp.optional(),
  device: z
    .strictObject({ id: Id, platform: NonEmptyText(64).optional(), batteryPct: z.number().min(0).max(100).optional() })
    .optional(),
});

const Quantity = z.number().int().positive().max(1_000_000);
const Stock = z.number().int().nonnegative();

export const StockReservedData = z.strictObject({ productId: Id, orderId: Id, quantity: Quantity, remaining: Stock });
export const StockReservationFailedData = z.strictObject({
  productId: Id,
  orderId: Id,
  requested: Quantity,
  available: Stock,
  reason: NonEmptyText(200),
});
export const StockReleasedData = z.strictObject({ productId: Id, orderId: Id, quantity: Quantity, remaining: Stock });
export const StockLowData = z.strictObject({ productId: Id, remaining: Stock, threshold: Stock });

export type DeliveryLocationData = z.infer<typeof DeliveryLocationData>;
