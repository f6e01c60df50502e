/**
 * A seeded day of orders for the analytics tests and bench: what to post through the API, and the
 * figures computed directly from that plan (independently of analytics-service's code).
 */
import { randomUUID } from 'node:crypto';
import { prng } from './workload';
const STATUSES = ['pending', 'paid', 'credit', 'processing', 'shipped', 'delivered', 'cancelled'] as const;
type Status = (typeof STATUSES)[number];

const MEDICATIONS = [
  ['amox', 'Amoxicillin 500mg', 4.55],
  ['para', 'Paracetamol 1g', 1.99],
  ['ibup', 'Ibuprofen 400mg', 2.49],
  ['metf', 'Metformin 850mg', 3.1],
  ['ator', 'Atorvastatin 20mg', 7.25],
  ['omep', 'Omeprazole 20mg', 5.35],
  ['salb', 'Salbutamol inhaler', 12.8],
  ['cetr', 'Cetirizine 10mg', 0.95],
] as const;

/** Legal paths through the status machine (after the implicit pending). */
const PATHS: readonly Status[][] = [
  [],
  ['paid'],
  ['paid', 'processing'],
  ['paid', 'processing', 'shipped'],
  ['paid', 'processing', 'shipped', 'delivered'],
  ['credit'],
  ['credit', 'paid'],
  ['cancelled'],
  ['paid', 'cancelled'],
  ['credit', 'cancelled'],
  ['paid', 'processing', 'cancelled'],
];

export interface PlannedItem {
  productId: string;
  medication: string;
  quantity: number;
  unitPrice: number;
}

export interface PlannedOrder {
  orderId?: string;
  orderDate: string;
  items: PlannedItem[];
  /** Items after a PATCH, when the plan changes them. */
  updatedItems?: PlannedItem[];
  path: Status[];
  deleted: boolean;
}


function items(rand: () => number): PlannedItem[] {
  const n = 1 + Math.floor(rand() * 3);
  const picked = new Set<number>();
  while (picked.size < n) picked.add(Math.floor(rand() * MEDICATIONS.length));
  return [...picked].map((i) => {
    const [productId, medication, unitPrice] = MEDICATIONS[i]!;
    return { productId, medication, unitPrice, quantity: 1 + Math.floor(rand() * 5) };
  });
}

/** `count` orders on `day` (UTC), with status changes, cancellations, some edits and deletions. */
export function planOrders(options: { count: number; day: string; seed: number }): PlannedOrder[] {
  const rand = prng(options.seed);
  const start = Date.parse(`${options.day}T00:00:00.000Z`);
  return Array.from({ length: options.count }, () => {
    const orderDate = new Date(start + Math.floor(rand() * 86_400_000)).toISOString();
    const order: PlannedOrder = { orderDate, items: items(rand), path: PATHS[Math.floor(rand() * PATHS.length)]!, deleted: rand() < 0.02 };
    if (rand() < 0.05) order.updatedItems = items(rand);
    return order;
  });
}

export const totalOf = (items: readonly PlannedItem[]): number => Math.round(items.reduce((n, i) => n + Math.round(i.quantity * i.unitPrice * 100), 0)) / 100;

export interface ExpectedFigures {
  orders: number;
  grossRevenue: number;
  paidRevenue: number;
  averageOrderValue: number;
  cancelled: number;
  cancellationRate: number;
  byStatus: Record<Status, number>;
  hours: number[];
}

/**
 * The figures straight from the plan: gross = every non-deleted order's total (cancelled
 * included); paid = totals of orders whose path went through `paid` and did not end cancelled.
 */
export function expectedFigures(orders: readonly PlannedOrder[]): ExpectedFigures {
  const live = orders.filter((o) => !o.deleted);
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const hours = Array.from({ length: 24 }, () => 0);
  let gross = 0;
  let paid = 0;
  for (const o of live) {
    const final = o.path.at(-1) ?? 'pending';
    byStatus[final] += 1;
    hours[new Date(o.orderDate).getUTCHours()]! += 1;
    const cents = Math.round(totalOf(o.updatedItems ?? o.items) * 100);
    gross += cents;
    if (o.path.includes('paid') && final !== 'cancelled') paid += cents;
  }
  const n = live.length;
  return {
    orders: n,
    grossRevenue: gross / 100,
    paidRevenue: paid / 100,
    averageOrderValue: n ? Math.round(gross / n) / 100 : 0,
    cancelled: byStatus.cancelled,
    cancellationRate: n ? Math.round((byStatus.cancelled / n) * 10_000) / 10_000 : 0,
    byStatus,
    hours,
  };
}

export function expectedTopMedications(orders: readonly PlannedOrder[], top = 10) {
  const byId = new Map<string, { productId: string; medication: string; quantity: number; cents: number }>();
  for (const o of orders.filter((x) => !x.deleted)) {
    for (const i of o.updatedItems ?? o.items) {
      const m = byId.get(i.productId) ?? { productId: i.productId, medication: i.medication, quantity: 0, cents: 0 };
      m.quantity += i.quantity;
      m.cents += Math.round(i.quantity * i.unitPrice * 100);
      byId.set(i.productId, m);
    }
  }
  const all = [...byId.values()].map((m) => ({ productId: m.productId, medication: m.medication, quantity: m.quantity, revenue: m.cents / 100 }));
  const rank = (k: 'quantity' | 'revenue') => [...all].sort((a, b) => b[k] - a[k] || a.productId.localeCompare(b.productId)).slice(0, top);
  return { byQuantity: rank('quantity'), byRevenue: rank('revenue') };
}

/** Posts the plan through the API: create, then each order's PATCH / status steps / DELETE in order. */
export async function postOrders(base: string, key: string, orders: PlannedOrder[], concurrency = 16): Promise<void> {
  // A 503 after a timeout is an unknown outcome (the write may have landed): retry with the same
  // Idempotency-Key, as the API asks, or a retried create becomes a second order.
  const call = async (method: string, path: string, body?: unknown) => {
    const idempotencyKey = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.text();
      if (res.status === 202) return JSON.parse(text) as { orderId: string };
      if (res.status !== 503 || attempt >= 5) throw new Error(`${method} ${path} → ${res.status} ${text}`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < orders.length) {
      const o = orders[next++]!;
      const created = await call('POST', '/orders', { customer: { name: 'Test Customer', phone: '+44 20 7946 0000' }, items: o.items, totalPrice: totalOf(o.items), orderDate: o.orderDate });
      o.orderId = created.orderId;
      if (o.updatedItems) await call('PATCH', `/orders/${o.orderId}`, { items: o.updatedItems, totalPrice: totalOf(o.updatedItems) });
      for (const status of o.path) await call('POST', `/orders/${o.orderId}/status`, { status });
      if (o.deleted) await call('DELETE', `/orders/${o.orderId}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
