import { type Request, type Response, Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { Id, TenantCode, toFieldIssues } from '@medlives/events';
import { findOrder } from '@medlives/orders';
import type { PositionStore, PositionView } from '../../../delivery-tracking/src/store/positions';
import type { DeliveryFeed, Watcher } from '../deliveries/feed';
import { readScope } from '../http/auth';
import { HttpError } from '../http/errors';

const DeliveryQuery = z.strictObject({ tenantCode: TenantCode.optional() });
/** SSE ids are the position's `at` in epoch milliseconds: a resume sends only what is newer. */
const LAST_EVENT_ID = /^[0-9]{1,16}$/;

export interface DeliveryRouteOptions {
  readonly heartbeatMs: number;
  /** A stream is closed after this long; the client reconnects with Last-Event-ID (spreads watchers over replicas). */
  readonly maxStreamMs: number;
}

function parse(req: Request): { orderId: string; tenantCode: string | undefined; scope: ReturnType<typeof readScope> } {
  const parsed = DeliveryQuery.safeParse(req.query);
  if (!parsed.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid query', toFieldIssues(parsed.error, ['query']));
  const orderId = String(req.params.orderId);
  if (!Id.safeParse(orderId).success) throw new HttpError(404, 'NOT_FOUND', `no delivery for order ${orderId}`);
  const principal = req.principal!;
  const asked = parsed.data.tenantCode;
  if (principal.role !== 'admin' && asked !== undefined && asked !== principal.tenantCode) {
    throw new HttpError(403, 'FORBIDDEN', `this key cannot read tenant ${asked}`);
  }
  return { orderId, tenantCode: principal.role === 'admin' ? asked : principal.tenantCode, scope: readScope(principal) };
}

const newer = (a: PositionView | undefined, b: PositionView | undefined) => (!a ? b : !b ? a : b.at > a.at ? b : a);
const atMs = (v: PositionView) => Date.parse(v.at);

/**
 * `GET /deliveries/:orderId/location` (the stored latest position) and `.../stream` (Server-Sent
 * Events). Both are tenant-scoped: a tenant reads its own orders' deliveries, an admin any.
 */
export function deliveryReadRoutes(connection: Connection, store: PositionStore, feed: DeliveryFeed | undefined, options: DeliveryRouteOptions): Router {
  const router = Router();

  router.get('/deliveries/:orderId/location', async (req, res) => {
    const { orderId, tenantCode, scope } = parse(req);
    const position = newer(await store.latest(scope, orderId, tenantCode), feed?.cached(tenantCode, orderId));
    if (!position) throw new HttpError(404, 'NOT_FOUND', `no position for order ${orderId} (none yet, or older than a day)`);
    res.json(position);
  });

  router.get('/deliveries/:orderId/stream', async (req, res) => {
    const { orderId, tenantCode, scope } = parse(req);
    const lastEventId = req.get('last-event-id');
    if (lastEventId !== undefined && !LAST_EVENT_ID.test(lastEventId)) {
      throw new HttpError(400, 'BAD_LAST_EVENT_ID', 'Last-Event-ID must be the id of an event this stream sent (digits)');
    }
    if (!feed?.running) throw new HttpError(503, 'FEED_UNAVAILABLE', 'the live delivery feed is not running on this instance yet', undefined, { 'Retry-After': '2' });
    let lastSentMs = lastEventId === undefined ? -1 : Number(lastEventId);
    let open = false;
    let closed = false;
    let ended = false;
    const pending: string[] = [];
    const write = (chunk: string) => (open ? res.write(chunk) : pending.push(chunk));
    let finish = () => undefined as void;
    const watcher: Watcher = {
      orderId,
      tenantCode,
      position(view) {
        if (closed || atMs(view) <= lastSentMs) return;
        lastSentMs = atMs(view);
        feed.countPush('position');
        write(`id: ${lastSentMs}\nevent: position\ndata: ${JSON.stringify(view)}\n\n`);
      },
      end(reason) {
        if (closed || ended) return;
        ended = true;
        feed.countPush('end');
        write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
        if (open) finish();
      },
      close() {
        finish();
      },
    };
    // Watch first, then read: a position arriving in between is not lost (ids only move forward).
    const unwatch = feed.watch(watcher);
    let order;
    let snapshot: PositionView | undefined;
    try {
      [snapshot, order] = await Promise.all([store.latest(scope, orderId, tenantCode), findOrder(connection, scope, orderId, tenantCode ? { tenantCode } : {})]);
    } catch (error) {
      unwatch();
      throw error;
    }
    snapshot = newer(snapshot, feed.cached(tenantCode, orderId));
    if (!snapshot && !order) {
      unwatch();
      throw new HttpError(404, 'NOT_FOUND', `no delivery for order ${orderId}`);
    }
    const heartbeat = setInterval(() => {
      feed.countPush('heartbeat');
      res.write(': heartbeat\n\n');
    }, options.heartbeatMs);
    const lifetime = setTimeout(() => finish(), options.maxStreamMs);
    finish = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      unwatch();
      res.end();
    };
    res.once('close', finish);
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    open = true;
    // The client reconnects after 2 s; it sends back the last id it saw as Last-Event-ID.
    res.write(`retry: 2000\n\n${pending.splice(0).join('')}`);
    if (snapshot) watcher.position(snapshot);
    if (order?.status === 'delivered' || order?.status === 'cancelled') watcher.end(order.status);
    if (ended) finish();
  });
  return router;
}

const Position = {
  type: 'object',
  required: ['orderId', 'tenantCode', 'deliveryBoyId', 'lat', 'lng', 'at', 'eventId'],
  properties: {
    orderId: { type: 'string' },
    tenantCode: { type: 'string' },
    deliveryBoyId: { type: 'string' },
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lng: { type: 'number', minimum: -180, maximum: 180 },
    at: { type: 'string', format: 'date-time', description: "the courier's timestamp; a newer one replaces this position, an older one never does" },
    speed: { type: 'number' },
    heading: { type: 'number' },
    eta: { type: 'string', format: 'date-time' },
    eventId: { type: 'string', format: 'uuid' },
  },
};

/** The OpenAPI operations of the routes (registered by routes/openapi.ts). */
export function deliveryOperations(errors: (...codes: number[]) => Record<string, unknown>, pathParams: unknown[], tenantParam: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return {
    location: {
      operationId: 'getDeliveryLocation',
      summary: 'The latest position of an order\'s delivery (404 when none, or older than a day)',
      tags: ['deliveries'],
      parameters: [...pathParams, tenantParam],
      responses: { '200': { description: 'The latest position', content: { 'application/json': { schema: Position } } }, ...errors(401, 403, 404, 409, 422, 429, 503) },
    },
    stream: {
      operationId: 'watchDelivery',
      summary: 'Watch an order\'s delivery live (Server-Sent Events)',
      description: [
        'A `text/event-stream`. Each new position is an `event: position` whose `data` is the position JSON and whose `id` is its `at` in epoch milliseconds;',
        'an older position never follows a newer one. On connect the latest known position is sent first (unless `Last-Event-ID` shows the client has it).',
        'A comment line `: heartbeat` comes every few seconds. When the order is delivered (or cancelled) an `event: end` with `data: {"reason":"delivered"}` is sent and the stream closes.',
        'Reconnect with the last `id` seen as `Last-Event-ID` to resume. 404 when the order is neither known nor has a position.',
      ].join(' '),
      tags: ['deliveries'],
      parameters: [
        ...pathParams,
        tenantParam,
        { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: LAST_EVENT_ID.source }, description: 'resume after this event id' },
      ],
      responses: {
        '200': {
          description: 'The event stream (`: heartbeat` comment lines between events)',
          content: {
            'text/event-stream': {
              schema: {
                type: 'object',
                description: 'One Server-Sent Event',
                required: ['event', 'data'],
                properties: {
                  id: { type: 'string', pattern: '^[0-9]{1,16}$', description: 'position events: the position `at` in epoch ms' },
                  event: { enum: ['position', 'end'] },
                  data: { type: 'string', contentMediaType: 'application/json', description: 'position: the position JSON (as GET …/location); end: {"reason":"delivered"|"cancelled"}' },
                },
              },
            },
          },
        },
        ...errors(400, 401, 403, 404, 409, 422, 429, 503),
      },
    },
  };
}
