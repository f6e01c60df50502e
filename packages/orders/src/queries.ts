import type { Connection } from 'mongoose';
import type { Filter } from 'mongodb';
import { z } from 'zod';
import { AppError } from '@medlives/errors';
import { Id, OrderStatus, TenantCode, Timestamp, formatIssues, toFieldIssues } from '@medlives/events';
import { ordersCollection } from './model';
import { mongoAppError } from '@medlives/mongo';
import { type OrderDoc, orderKey } from './types';
import { type OrderView, toView } from './view';

/** Who is asking: a tenant sees its own orders, an admin any tenant's (MISSION §4). */
export type TenantScope = { readonly tenantCode: string } | { readonly admin: true };

/** The longest a read-your-writes request may wait (issue 4 §3). */
export const MAX_WAIT_MS = 30_000;

const VIEW_PROJECTION = { parked: 0, positions: 0, appliedEventIds: 0 } as const;

function tenantOf(scope: TenantScope, requested?: string): string | undefined {
  if ('tenantCode' in scope) {
    if (requested !== undefined && requested !== scope.tenantCode) throw new AppError('FORBIDDEN', 'a tenant reads only its own orders');
    return scope.tenantCode;
  }
  return requested;
}

async function run<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mongoAppError(error, { collection: 'orders', op });
  }
}

/** The stored document of a persisted order (the creation applied), or null. */
async function loadOrder(conn: Connection, scope: TenantScope, orderId: string, tenantCode?: string): Promise<OrderDoc | null> {
  if (!Id.safeParse(orderId).success) return null;
  const tenant = tenantOf(scope, tenantCode);
  const orders = ordersCollection(conn);
  if (tenant !== undefined) {
    const doc = await run('findOne', () => orders.findOne({ _id: orderKey(tenant, orderId) }));
    return doc?.created ? (doc as OrderDoc) : null;
  }
  const found = (await run('find', () => orders.find({ orderId, created: true }).limit(2).toArray())) as OrderDoc[];
  if (found.length > 1) {
    throw new AppError('CONFLICT', `order ${orderId} exists for several tenants; name the tenant`, {
      context: { tenants: found.map((d) => d.tenantCode) },
    });
  }
  return found[0] ?? null;
}

export interface FindOrderOptions {
  /** Admins may name the tenant; tenants may only name their own. */
  readonly tenantCode?: string;
}

/** An order by id, or null until its creation has been persisted. Soft-deleted orders are returned with `deleted` set. */
export async function findOrder(conn: Connection, scope: TenantScope, orderId: string, options: FindOrderOptions = {}): Promise<OrderView | null> {
  const doc = await loadOrder(conn, scope, orderId, options.tenantCode);
  return doc ? toView(doc) : null;
}

export interface CurrentStatus {
  readonly orderId: string;
  readonly tenantCode: string;
  readonly status: OrderStatus;
  readonly version: number;
  readonly deleted: boolean;
}

/** What the producer API checks before publishing a status change (409 on an illegal transition). */
export async function currentStatus(conn: Connection, scope: TenantScope, orderId: string, options: FindOrderOptions = {}): Promise<CurrentStatus | null> {
  const doc = await loadOrder(conn, scope, orderId, options.tenantCode);
  if (!doc || doc.status === null) return null;
  return { orderId: doc.orderId, tenantCode: doc.tenantCode, status: doc.status, version: doc.rev, deleted: doc.deleted !== null };
}

export interface WaitOptions extends FindOrderOptions {
  /** Also wait until this event has been applied to the order. */
  readonly eventId?: string;
  /** Clamped to [0, MAX_WAIT_MS]. @default 0 (one look) */
  readonly timeoutMs?: number;
  /** @default 50, growing to 500 */
  readonly pollIntervalMs?: number;
  /** Stop early, e.g. when the HTTP client went away. */
  readonly signal?: AbortSignal;
}

/**
 * Read-your-writes: resolves with the order once it (and `eventId`, if given) has been applied,
 * or null when the timeout passes first. Polls by _id, which every MongoDB-wire server serves
 * cheaply; change streams would need a replica set.
 */
export async function waitForOrder(conn: Connection, scope: TenantScope, orderId: string, options: WaitOptions = {}): Promise<OrderView | null> {
  const timeout = Math.max(0, Math.min(MAX_WAIT_MS, options.timeoutMs ?? 0));
  const deadline = Date.now() + timeout;
  let interval = options.pollIntervalMs ?? 50;
  for (;;) {
    const doc = await loadOrder(conn, scope, orderId, options.tenantCode);
    if (doc && (options.eventId === undefined || doc.appliedEventIds.includes(options.eventId))) return toView(doc);
    const left = deadline - Date.now();
    if (left <= 0 || options.signal?.aborted) return null;
    await sleep(Math.min(interval, left), options.signal);
    interval = Math.min(500, Math.round(interval * 1.5));
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const ListQuery = z.strictObject({
  status: OrderStatus.optional(),
  /** orderDate >= from */
  from: Timestamp.optional(),
  /** orderDate < to */
  to: Timestamp.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  /** Admins only: one tenant. */
  tenantCode: TenantCode.optional(),
  includeDeleted: z.boolean().default(false),
});
export type ListOrdersQuery = z.input<typeof ListQuery>;

export interface OrderPage {
  readonly items: OrderView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

interface Cursor {
  d: string;
  i: string;
}

export function encodeCursor(doc: Pick<OrderDoc, 'orderDate' | '_id'>): string {
  return Buffer.from(JSON.stringify({ d: doc.orderDate?.toISOString(), i: doc._id } satisfies Partial<Cursor>)).toString('base64url');
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof value.d === 'string' && !Number.isNaN(Date.parse(value.d)) && typeof value.i === 'string') return { d: value.d, i: value.i };
  } catch {
    /* fall through */
  }
  throw new AppError('SCHEMA_INVALID', 'cursor: not a cursor this API returned', { context: { issues: [{ path: 'cursor', message: 'invalid' }] } });
}

/** A page of orders, newest orderDate first, tenant-scoped; served by the (tenant, status, orderDate) indexes. */
export async function listOrders(conn: Connection, scope: TenantScope, query: ListOrdersQuery = {}): Promise<OrderPage> {
  const parsed = ListQuery.safeParse(query);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error);
    throw new AppError('SCHEMA_INVALID', formatIssues(issues), { context: { issues } });
  }
  const q = parsed.data;
  const tenant = tenantOf(scope, q.tenantCode);
  const filter: Filter<OrderDoc> = { created: true };
  if (tenant !== undefined) filter.tenantCode = tenant;
  if (q.status) filter.status = q.status;
  if (!q.includeDeleted) filter.deleted = null;
  if (q.from || q.to) filter.orderDate = { ...(q.from ? { $gte: new Date(q.from) } : {}), ...(q.to ? { $lt: new Date(q.to) } : {}) };
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const d = new Date(c.d);
    filter.$or = [{ orderDate: { $lt: d } }, { orderDate: d, _id: { $lt: c.i } }];
  }
  const docs = (await run('find', () =>
    ordersCollection(conn).find(filter, { projection: VIEW_PROJECTION }).sort({ orderDate: -1, _id: -1 }).limit(q.limit + 1).toArray(),
  )) as OrderDoc[];
  const page = docs.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: page.map(toView), nextCursor: docs.length > q.limit && last ? encodeCursor(last) : null };
}
