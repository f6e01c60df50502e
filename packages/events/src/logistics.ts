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

/*
 * Reservation events are per order and keyed by the order's tenant (topology `keyByEventType`),
 * like the order's own events: every event of one order lands on one partition, a release never
 * overtakes its reservation, and order-persistence keeps key affinity across its three topics.
 * `productId` (the first item) stays for readers that filter by product; stock.low is keyed by it.
 */
const ReservedItem = z.strictObject({ productId: Id, quantity: Quantity, remaining: Stock });
export const StockReservedData = z.strictObject({
  orderId: Id,
  /** The first item's product: the partition key. */
  productId: Id,
  items: z.array(ReservedItem).min(1).max(200),
});
export const StockShortReason = z.enum(['insufficient_stock', 'unknown_product']);
export const StockReservationFailedData = z.strictObject({
  orderId: Id,
  productId: Id,
  /** The items that could not be reserved (the others were released again or never taken). */
  items: z
    .array(z.strictObject({ productId: Id, requested: Quantity, available: Stock, reason: StockShortReason }))
    .min(1)
    .max(100),
});
export const StockReleasedData = z.strictObject({
  orderId: Id,
  productId: Id,
  items: z.array(ReservedItem).min(1).max(200),
  reason: z.enum(['cancelled', 'deleted']),
});
export const StockLowData = z.strictObject({ productId: Id, remaining: Stock, threshold: Stock });

export type DeliveryLocationData = z.infer<typeof DeliveryLocationData>;
