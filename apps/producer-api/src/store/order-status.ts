import type { Connection } from 'mongoose';
import type { OrderStatus } from '@medlives/events';

/**
 * Current order status as the read model knows it (null when it does not know the order yet).
 * TODO(wire): replaced by @medlives/orders' currentStatus once the read model lands.
 */
export function orderStatusLookup(connection: Connection) {
  return async (tenantCode: string, orderId: string): Promise<OrderStatus | null> => {
    const doc = await connection.collection('orders').findOne({ orderId, tenantCode }, { projection: { status: 1 } });
    return (doc?.status as OrderStatus | undefined) ?? null;
  };
}
