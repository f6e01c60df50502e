import { z } from 'zod';
import { Id, ORDER_STATUSES, TenantCode, Timestamp } from '@medlives/events';
import { CreateProductBody, StockMoveBody } from '@medlives/inventory';
import { WRITE_ROUTES, type WriteRoute } from './write-routes';
import { notificationsOperation } from './notifications-read';
import { careReadOperations } from './care-read';
import { deliveryOperations } from './deliveries-read';
import { auditOperation } from './audit-read';
import { summaryOperation } from './analytics-read';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

const json = (schema: z.ZodType): JsonSchema => {
  const out = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    // zod's email rule is its pattern; JSON Schema's `format: email` is RFC 5321 (e.g. a local
    // part of at most 64 characters), which the server does not apply. Document the rule it does.
    override: ({ jsonSchema }) => {
      if (jsonSchema.format === 'email' && jsonSchema.pattern) delete jsonSchema.format;
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
};

/**
 * Rules across fields that JSON Schema cannot state; the document says them in words and the 422
 * names the field.
 */
const CROSS_FIELD_RULES: Readonly<Record<string, string>> = {
  createOrder: 'totalPrice must equal the sum of quantity × unitPrice (to the cent per item); deliveryDate must not be before orderDate.',
  updateOrder: 'items and totalPrice change together, and totalPrice must equal the sum of quantity × unitPrice.',
  createPrescription: 'endDate must not be before startDate.',
  updatePrescription: 'endDate must not be before startDate when both change.',
};

/** A PATCH must change something: `{}` is refused (422), so the document says so. */
function nonEmptyChanges(schema: JsonSchema): JsonSchema {
  const changes = schema.properties?.changes as JsonSchema | undefined;
  if (changes?.type === 'object') return { ...schema, properties: { ...schema.properties, changes: { ...changes, minProperties: 1 } } };
  return schema;
}

/** The documented body of a write route, derived from its event data schema (never written twice). */
export function bodySchema(route: WriteRoute): JsonSchema {
  const rule = CROSS_FIELD_RULES[route.operationId];
  const body = documentedBody(route);
  return rule ? { ...body, description: rule } : body;
}

function documentedBody(route: WriteRoute): JsonSchema {
  if (route.customBody) return json(route.customBody.schema);
  const data = json(route.dataSchema);
  const serverOwned = Object.keys(route.serverFields ?? {});
  if (route.bodyAt === 'changes') {
    const changes = (data.properties?.changes as JsonSchema) ?? {};
    const properties = Object.fromEntries(Object.entries(changes.properties ?? {}).filter(([field]) => !serverOwned.includes(field)));
    return { ...changes, properties, minProperties: 1 };
  }
  const properties = { ...(data.properties ?? {}) };
  for (const field of [...Object.keys(route.pathFields), ...serverOwned]) delete properties[field];
  const optional = new Set(['tenantCode', ...(route.generatedId ? [route.generatedId.field] : []), ...Object.keys(route.defaults ?? {}), ...serverOwned]);
  // Admin keys name the tenant they act for; tenant keys may repeat their own.
  properties.tenantCode = json(TenantCode);
  return nonEmptyChanges({ ...data, properties, required: (data.required ?? []).filter((f) => !optional.has(f) && !(f in route.pathFields)) });
}

const ErrorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        correlationId: { type: 'string' },
        issues: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
};

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON or header',
  401: 'Missing or unknown API key',
  403: 'The key may not act for that tenant',
  404: 'Unknown resource',
  409: 'Conflict with the current state',
  413: 'Body larger than the limit',
  415: 'Body is not application/json',
  422: 'Schema violation; `issues` names every bad field',
  429: 'Tenant rate limit exceeded (see Retry-After)',
  503: 'Kafka or MongoDB unavailable (see Retry-After)',
};

const WRITE_ERRORS = [400, 401, 403, 409, 413, 415, 422, 429, 503];

function pathParams(path: string) {
  return [...path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: json(Id) }));
}

const oasPath = (path: string) => `/api/v1${path.replace(/:(\w+)/g, '{$1}')}`;

export function openApiDocument(options: { maxWaitMs: number }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const add = (method: string, path: string, operation: Record<string, unknown>) => {
    paths[oasPath(path)] = { ...(paths[oasPath(path)] ?? {}), [method]: { parameters: pathParams(path), ...operation } };
  };
  for (const route of WRITE_ROUTES) {
    const accepted = { type: 'object', required: ['eventId', route.entityIdField, 'status'], properties: { eventId: { type: 'string', format: 'uuid' }, [route.entityIdField]: { type: 'string' }, status: { const: 'accepted' }, correlationId: { type: 'string' } } };
    add(route.method, route.path, {
      operationId: route.operationId,
      summary: `${route.summary} (publishes ${route.eventType})`,
      tags: [route.tag],
      parameters: [...pathParams(route.path), { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } }],
      requestBody: { required: !route.bodyOptional, content: { 'application/json': { schema: bodySchema(route) } } },
      responses: { '202': { description: 'Accepted: Kafka acknowledged the event', content: { 'application/json': { schema: accepted } } }, ...errors(...WRITE_ERRORS) },
    });
  }
  // The validation-only route (the API bench's baseline, and a dry run for clients): the body of
  // createOrder, checked exactly as the write route checks it, nothing published or stored.
  const createOrder = WRITE_ROUTES.find((r) => r.operationId === 'createOrder')!;
  add('post', '/orders/validate', {
    operationId: 'validateOrder',
    summary: 'Check an order body as POST /orders would, without publishing or storing anything',
    tags: [createOrder.tag],
    requestBody: { required: true, content: { 'application/json': { schema: bodySchema(createOrder) } } },
    responses: {
      '200': { description: 'Valid: POST /orders would accept this body', content: { 'application/json': { schema: { type: 'object', required: ['valid', 'orderId'], properties: { valid: { const: true }, orderId: { type: 'string' } } } } } },
      ...errors(400, 401, 403, 413, 415, 422, 429),
    },
  });
  const order = { $ref: '#/components/schemas/Order' };
  const q = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: 'query', required: false, schema, description });
  add('get', '/orders/:orderId', {
    operationId: 'getOrder', summary: 'Read an order from the read model (404 until persisted)', tags: ['orders'],
    parameters: [
      ...pathParams('/orders/:orderId'),
      q('waitFor', { enum: ['persisted'] }, 'long-poll until the order (and eventId) is persisted'),
      q('timeoutMs', { type: 'integer', minimum: 0, maximum: options.maxWaitMs }, `how long waitFor may wait (default ${Math.min(10_000, options.maxWaitMs)})`),
      q('eventId', { type: 'string', format: 'uuid' }, 'with waitFor: wait until this event is applied'),
      q('tenantCode', json(TenantCode), 'admin only: the tenant of the order'),
    ],
    responses: { '200': { description: 'The order', content: { 'application/json': { schema: order } } }, ...errors(401, 403, 404, 409, 422, 429, 503) },
  });
  add('get', '/orders', {
    operationId: 'listOrders', summary: 'Orders of the tenant, newest first, cursor-paged', tags: ['orders'],
    parameters: [
      q('status', { enum: [...ORDER_STATUSES] }, 'only this status'),
      q('from', json(Timestamp), 'orderDate >= from (UTC, ending in Z)'),
      q('to', json(Timestamp), 'orderDate < to (UTC, ending in Z)'),
      q('limit', { type: 'integer', minimum: 1, maximum: 200 }, 'page size (default 50)'),
      q('cursor', { type: 'string' }, 'nextCursor of the previous page'),
      q('tenantCode', json(TenantCode), 'admin only: one tenant'),
    ],
    responses: {
      '200': { description: 'A page', content: { 'application/json': { schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: order }, nextCursor: { type: ['string', 'null'] } } } } } },
      ...errors(401, 403, 422, 429, 503),
    },
  });
  const product = { $ref: '#/components/schemas/Product' };
  add('post', '/products', {
    operationId: 'createProduct', summary: 'Create a product with stock', tags: ['products'],
    requestBody: { required: true, content: { 'application/json': { schema: json(CreateProductBody.extend({ tenantCode: TenantCode.optional() })) } } },
    responses: { '201': { description: 'Created', content: { 'application/json': { schema: product } } }, ...errors(400, 401, 403, 409, 413, 415, 422, 429, 503) },
  });
  add('get', '/notifications', notificationsOperation(errors));
  for (const { path, operation } of careReadOperations(errors, json(Id))) add('get', path, operation);
  const deliveries = deliveryOperations(errors, pathParams('/deliveries/:orderId/location'), q('tenantCode', json(TenantCode), 'admin only: the tenant of the order'));
  add('get', '/deliveries/:orderId/location', deliveries.location!);
  add('get', '/deliveries/:orderId/stream', deliveries.stream!);
  add('get', '/audit', auditOperation(errors, json(Timestamp)));
  add('get', '/analytics/summary', summaryOperation(errors));
  add('get', '/products/:productId', {
    operationId: 'getProduct', summary: 'Read a product and its stock (products are per tenant)', tags: ['products'],
    parameters: [...pathParams('/products/:productId'), q('tenantCode', { type: 'string' }, 'admin only: the tenant of the product (else the first match)')],
    responses: { '200': { description: 'The product', content: { 'application/json': { schema: product } } }, ...errors(401, 404, 422, 429, 503) },
  });
  for (const action of ['reserve', 'release'] as const) {
    add('post', `/products/:productId/${action}`, {
      operationId: `${action}Stock`, summary: `${action === 'reserve' ? 'Reserve' : 'Release'} stock for an order (atomic, once per order)`, tags: ['products'],
      requestBody: { required: true, content: { 'application/json': { schema: json(StockMoveBody.extend({ tenantCode: TenantCode.optional() })) } } },
      responses: {
        '200': { description: 'Applied, or already applied for this order', content: { 'application/json': { schema: { type: 'object', required: ['status', 'applied', 'product'], properties: { status: { type: 'string' }, applied: { type: 'boolean' }, product } } } } },
        ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
      },
    });
  }
  return {
    openapi: '3.1.0',
    info: { title: 'MedLives producer API', version: '1.0.0', description: 'Writes are validated, published to Kafka (acks=all, idempotent) and answered 202 once acknowledged.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: ErrorBody,
        Order: {
          type: 'object',
          required: ['orderId', 'tenantCode', 'status', 'items', 'timeline', 'fulfilment', 'version'],
          properties: {
            orderId: { type: 'string' },
            tenantCode: { type: 'string' },
            status: { enum: [...ORDER_STATUSES] },
            paymentStatus: { type: ['string', 'null'] },
            customer: { type: ['object', 'null'] },
            items: { type: 'array', items: { type: 'object' } },
            totalPrice: { type: ['number', 'null'] },
            orderDate: { type: ['string', 'null'] },
            deliveryDate: { type: ['string', 'null'] },
            deleted: { type: ['object', 'null'] },
            timeline: { type: 'array', items: { type: 'object' } },
            rejectedTransitions: { type: 'array', items: { type: 'object' } },
            fulfilment: {
              description: 'What inventory-service reported for the order: stock reserved, a failed reservation (the short items and why), or stock released; null until it reported.',
              oneOf: [
                { type: 'null' },
                {
                  type: 'object',
                  required: ['state', 'items', 'eventId', 'at'],
                  properties: {
                    state: { enum: ['reserved', 'failed', 'released'] },
                    items: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['productId', 'quantity'],
                        properties: {
                          productId: { type: 'string' },
                          quantity: { type: 'integer', description: 'reserved / released quantity; for a failed item, the quantity requested' },
                          remaining: { type: 'integer', description: 'stock left after the reservation or release' },
                          available: { type: 'integer', description: 'failed items: stock that was available' },
                          reason: { enum: ['insufficient_stock', 'unknown_product'], description: 'failed items: why' },
                        },
                      },
                    },
                    reason: { enum: ['cancelled', 'deleted'], description: 'released: why the stock went back' },
                    eventId: { type: 'string', format: 'uuid' },
                    at: { type: 'string', format: 'date-time' },
                  },
                },
              ],
            },
            version: { type: 'integer' },
          },
        },
        Product: {
          type: 'object',
          required: ['productId', 'tenantCode', 'name', 'stock', 'reserved', 'lowStockThreshold', 'low'],
          properties: { productId: { type: 'string' }, tenantCode: { type: 'string' }, name: { type: 'string' }, stock: { type: 'integer' }, reserved: { type: 'integer' }, lowStockThreshold: { type: 'integer' }, low: { type: 'boolean' } },
        },
      },
    },
  };
}
