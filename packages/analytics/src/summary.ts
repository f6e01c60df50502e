import type { Collection, Document } from 'mongodb';
import { ORDER_STATUSES, type OrderStatus } from '@medlives/events';
import { type StoreDialect, mongoAppError } from '@medlives/mongo';
import { FACTS_COLLECTION } from './store';
import type { OrderFact } from './facts';

export interface SummaryQuery {
  /** A tenant code, or '*' for every tenant (admin). */
  readonly tenant: string;
  /** Inclusive calendar days, YYYY-MM-DD. */
  readonly from: string;
  readonly to: string;
  /** Which calendar the days and hours are in: UTC, or each tenant's configured time zone. */
  readonly zone: 'utc' | 'local';
  /** @default 10 */
  readonly top?: number;
}

export interface Figures {
  orders: number;
  grossRevenue: number;
  paidRevenue: number;
  averageOrderValue: number;
  cancelled: number;
  cancellationRate: number;
  byStatus: Record<OrderStatus, number>;
  /** Orders placed in each hour of the day (0–23). */
  hours: number[];
}

export interface Medication {
  productId: string;
  medication: string;
  quantity: number;
  revenue: number;
}

export interface Summary {
  tenant: string;
  from: string;
  to: string;
  zone: 'utc' | 'local';
  totals: Figures;
  days: (Figures & { day: string })[];
  topMedications: { byQuantity: Medication[]; byRevenue: Medication[] };
}

interface Cell {
  day: string;
  status: OrderStatus;
  hour: number;
  orders: number;
  grossCents: number;
  paidCents: number;
}

const emptyStatus = (): Record<OrderStatus, number> => Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;

class Acc {
  orders = 0;
  gross = 0;
  paid = 0;
  cancelled = 0;
  byStatus = emptyStatus();
  hours = Array.from({ length: 24 }, () => 0);
  add(c: Cell): void {
    this.orders += c.orders;
    this.gross += c.grossCents;
    this.paid += c.paidCents;
    if (c.status === 'cancelled') this.cancelled += c.orders;
    this.byStatus[c.status] += c.orders;
    this.hours[c.hour]! += c.orders;
  }
  figures(): Figures {
    return {
      orders: this.orders,
      grossRevenue: this.gross / 100,
      paidRevenue: this.paid / 100,
      averageOrderValue: this.orders ? Math.round(this.gross / this.orders) / 100 : 0,
      cancelled: this.cancelled,
      cancellationRate: this.orders ? Math.round((this.cancelled / this.orders) * 10_000) / 10_000 : 0,
      byStatus: this.byStatus,
      hours: this.hours,
    };
  }
}

/**
 * The figures, derived at read time from the order facts with `$group` and `$sum` only — the
 * accumulators FerretDB v1 has. Two fallbacks where FerretDB falls short (`dialect.fullGroupAccumulators`):
 * one `$group` per sum (it computes only the first accumulator of a stage), and a medication's
 * display name (`$max` on MongoDB) by grouping on (productId, name) and folding the names here.
 */
export async function summarize(collection: Collection<OrderFact>, dialect: StoreDialect, q: SummaryQuery): Promise<Summary> {
  const dayField = q.zone === 'local' ? 'localDay' : 'day';
  const hourField = q.zone === 'local' ? 'localHour' : 'hour';
  const match: Document = { counted: 1, [dayField]: { $gte: q.from, $lte: q.to } };
  if (q.tenant !== '*') match.tenantCode = q.tenant;
  try {
    const cells = (await groupSums(collection, dialect, [{ $match: match }], { day: `$${dayField}`, status: '$status', hour: `$${hourField}` }, { orders: 1, grossCents: '$grossCents', paidCents: '$paidCents' })) as {
      _id: { day: string; status: OrderStatus; hour: number };
      orders: number;
      grossCents: number;
      paidCents: number;
    }[];
    const totals = new Acc();
    const days = new Map<string, Acc>();
    for (const c of cells) {
      const cell: Cell = { ...c._id, orders: c.orders, grossCents: c.grossCents, paidCents: c.paidCents };
      totals.add(cell);
      let acc = days.get(cell.day);
      if (!acc) days.set(cell.day, (acc = new Acc()));
      acc.add(cell);
    }
    const medications = await topMedications(collection, dialect, match);
    const top = q.top ?? 10;
    const rank = (key: 'quantity' | 'revenue') => [...medications].sort((a, b) => b[key] - a[key] || a.productId.localeCompare(b.productId)).slice(0, top);
    return {
      tenant: q.tenant,
      from: q.from,
      to: q.to,
      zone: q.zone,
      totals: totals.figures(),
      days: [...days].sort(([a], [b]) => a.localeCompare(b)).map(([day, acc]) => ({ day, ...acc.figures() })),
      topMedications: { byQuantity: rank('quantity'), byRevenue: rank('revenue') },
    };
  } catch (error) {
    throw mongoAppError(error, { collection: FACTS_COLLECTION, op: 'aggregate' });
  }
}

async function topMedications(collection: Collection<OrderFact>, dialect: StoreDialect, match: Document): Promise<Medication[]> {
  const stages = [{ $match: match }, { $unwind: '$items' }];
  const sums = { quantity: '$items.quantity', cents: '$items.cents' };
  if (dialect.fullGroupAccumulators) {
    const rows = await collection.aggregate([...stages, { $group: { _id: '$items.productId', medication: { $max: '$items.medication' }, quantity: { $sum: sums.quantity }, cents: { $sum: sums.cents } } }]).toArray();
    return rows.map((r) => ({ productId: r._id as string, medication: r.medication as string, quantity: r.quantity as number, revenue: (r.cents as number) / 100 }));
  }
  const rows = await groupSums(collection, dialect, stages, { productId: '$items.productId', medication: '$items.medication' }, sums);
  return foldMedicationNames(rows.map((r) => ({ productId: r._id.productId as string, medication: r._id.medication as string, quantity: r.quantity as number, cents: r.cents as number })));
}

/**
 * `$group` by `id` with one `$sum` per entry of `sums`: one stage on MongoDB; on FerretDB, which
 * computes only the first accumulator of a stage, one pipeline per sum joined here by `_id`.
 */
export async function groupSums(collection: Collection<OrderFact>, dialect: Pick<StoreDialect, 'fullGroupAccumulators'>, stages: Document[], id: Document | string, sums: Record<string, unknown>): Promise<Document[]> {
  const accumulators = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, { $sum: v }]));
  if (dialect.fullGroupAccumulators) return collection.aggregate([...stages, { $group: { _id: id, ...accumulators } }]).toArray();
  const rows = new Map<string, Document>();
  for (const [name, accumulator] of Object.entries(accumulators)) {
    for (const r of await collection.aggregate([...stages, { $group: { _id: id, [name]: accumulator } }]).toArray()) {
      const key = JSON.stringify(r._id);
      rows.set(key, { ...(rows.get(key) ?? { _id: r._id }), [name]: r[name] });
    }
  }
  return [...rows.values()];
}

/** FerretDB fallback: one row per (productId, name) merged into one per product, keeping the greatest name like `$max`. */
export function foldMedicationNames(rows: readonly { productId: string; medication: string; quantity: number; cents: number }[]): Medication[] {
  const byId = new Map<string, { productId: string; medication: string; quantity: number; cents: number }>();
  for (const r of rows) {
    const m = byId.get(r.productId);
    if (!m) byId.set(r.productId, { ...r });
    else {
      m.quantity += r.quantity;
      m.cents += r.cents;
      if (r.medication > m.medication) m.medication = r.medication;
    }
  }
  return [...byId.values()].map((m) => ({ productId: m.productId, medication: m.medication, quantity: m.quantity, revenue: m.cents / 100 }));
}
