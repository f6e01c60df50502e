import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import helmet from 'helmet';
import mongoose from 'mongoose';
import type { Registry } from 'prom-client';
import { currentStatus } from '@medlives/orders';
import { createKafka, topicCompression } from '@medlives/kafka';
import { InventoryStore } from '@medlives/inventory';
import { detectMongoServer } from '@medlives/mongo';
import { createLogger, createRegistry, kafkaConnection, type Logger, mongoDatabaseName } from '@medlives/runtime';
import type { ApiConfig } from './config';
import { authenticate } from './http/auth';
import { correlation } from './http/correlation';
import { HttpError, errorHandler } from './http/errors';
import { apiMetrics, observeRequests } from './http/metrics';
import { rateLimit } from './http/rate-limit';
import { ProducerSlot } from './producer-slot';
import { BatchingPublisher } from './publisher';
import { openApiDocument } from './routes/openapi';
import { dashboardRoutes, docsRoutes } from './routes/web';
import { lowStockAlert, productRoutes } from './routes/products';
import { writeHandler } from './routes/write-handler';
import { WRITE_ROUTES } from './routes/write-routes';
import { validateOnly } from './routes/validate';
import { DirectWriter } from './store/direct-writer';
import { IdempotencyStore } from './store/idempotency';
import { orderReadRoutes } from './routes/orders-read';
import { notificationReadRoutes } from './routes/notifications-read';
import { careReadRoutes } from './routes/care-read';
import { keyringFrom } from '@medlives/crypto';
import { deliveryReadRoutes } from './routes/deliveries-read';
import { auditReadRoutes } from './routes/audit-read';
import { auditTrail } from './http/audit';
import { DeliveryFeed } from './deliveries/feed';
import { PositionStore } from '../../delivery-tracking/src/store/positions';
import { analyticsReadRoutes } from './routes/analytics-read';
import { analyticsMongoUrl } from '@medlives/analytics';

export interface ProducerApi {
  start(): Promise<void>;
  stop(reason?: string): Promise<void>;
  /** The bound port (useful with PORT=0). */
  readonly port: number;
  readonly registry: Registry;
  readonly ready: () => boolean;
}

const HOUR_MS = 3_600_000;

function requireJson(req: Request, _res: Response, next: NextFunction) {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) return next(new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'));
  next();
}

/**
 * 405 with the documented methods in `Allow` for a documented path asked with any other method.
 * It runs before the routers, because a sub-router answers OPTIONS itself with only its own methods.
 */
function methodNotAllowed(document: Record<string, unknown>) {
  // A literal path wins over a templated one (OpenAPI's rule): /orders/validate is not /orders/{orderId}.
  const templated = (path: string) => (path.match(/\{\w+\}/g) ?? []).length;
  const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .sort(([a], [b]) => templated(a) - templated(b))
    .map(([path, operations]) => ({
      pattern: new RegExp(`^${path.replace(/^\/api\/v1/, '').replace(/\{\w+\}/g, '[^/]+')}/?$`),
      methods: Object.keys(operations).map((m) => m.toUpperCase()),
    }));
  return (req: Request, _res: Response, next: NextFunction) => {
    const documented = paths.find((p) => p.pattern.test(req.path));
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (!documented || documented.methods.includes(method)) return next();
    const allow = documented.methods.join(', ');
    next(new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow}`, undefined, { Allow: allow }));
  };
}

export function createApp(config: ApiConfig, options: { logger?: Logger; registry?: Registry } = {}): ProducerApi {
  const logger = options.logger ?? createLogger('producer-api', config.LOG_LEVEL);
  const registry = options.registry ?? createRegistry('producer-api');
  const metrics = apiMetrics(registry);
  const connection = mongoose.createConnection();
  // analytics-service's own database: the summary reads it, nothing here writes it.
  const analyticsConnection = mongoose.createConnection();
  // The client waits longer than the broker's acks=all wait, so a slow acknowledgement arrives as
  // an answer instead of a client-side timeout that KafkaJS would retry with a rolled-back sequence.
  const kafka = createKafka({ ...kafkaConnection(config, 'producer-api'), connectionTimeoutMs: 1_000, requestTimeoutMs: config.KAFKA_ACK_TIMEOUT_MS + 5_000 }, { retries: 2 });
  // Idempotent + acks=all: a retried batch is de-duplicated by the broker; one request in flight keeps order.
  const producers = new ProducerSlot(
    () => kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 } }),
    logger,
  );
  const publisherOptions = {
    lingerMs: config.PUBLISH_LINGER_MS,
    maxBatch: config.PUBLISH_MAX_BATCH,
    timeoutMs: config.PUBLISH_TIMEOUT_MS,
    ackTimeoutMs: config.KAFKA_ACK_TIMEOUT_MS,
    onUnknownOutcome: () => producers.replace(`a batch was not acknowledged within ${config.PUBLISH_TIMEOUT_MS} ms`),
    compressionFor: topicCompression(config.TOPIC_PREFIX),
  };
  const publisher = new BatchingPublisher(producers, publisherOptions, {
    sendDuration: metrics.sendDuration,
    batchSize: metrics.batchSize,
    errors: metrics.producerErrors,
  });
  const keyring = keyringFrom(config);
  const idempotency = new IdempotencyStore(connection, config.IDEMPOTENCY_TTL_HOURS * HOUR_MS, () => new Date(), config.IDEMPOTENCY_LEASE_MS, keyring);
  const products = new InventoryStore(connection, { onWrite: (collection, op) => metrics.mongoWrites.inc({ collection, op }) });
  const direct = new DirectWriter(connection, metrics);
  const document = openApiDocument({ maxWaitMs: config.ORDER_WAIT_MAX_MS });
  const positions = new PositionStore(connection);
  const feed = config.WRITE_MODE === 'direct' ? undefined : new DeliveryFeed({ kafka, prefix: config.TOPIC_PREFIX, logger, registry, ...(config.DELIVERY_FEED_INSTANCE ? { instanceId: config.DELIVERY_FEED_INSTANCE } : {}) });

  let accepting = false;
  let server: Server | undefined;
  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;

  const kafkaNeeded = config.WRITE_MODE !== 'direct';
  const ready = () => accepting && connection.readyState === 1 && (!kafkaNeeded || producers.ready);

  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(correlation);
  app.use(observeRequests(metrics));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => {
    const checks = { accepting, mongo: connection.readyState === 1, kafka: kafkaNeeded ? producers.ready : 'not used', deliveryFeed: feed ? feed.running : 'not used' };
    res.status(ready() ? 200 : 503).json({ status: ready() ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  app.use(dashboardRoutes());

  const api = Router();
  api.get('/openapi.json', (_req, res) => void res.json(document));
  api.use(docsRoutes());
  api.use(authenticate(config.apiKeys));
  // The old synchronous design (WRITE_MODE=direct) has no Kafka to publish audit events to.
  if (kafkaNeeded) api.use(auditTrail({ publish: (event) => publisher.publish(event), prefix: config.TOPIC_PREFIX, logger, registry }));
  api.use(methodNotAllowed(document));
  api.use(rateLimit({ ratePerSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST }, metrics.rateLimited));
  api.use(requireJson);
  api.use(express.json({ limit: config.BODY_LIMIT, type: 'application/json', strict: false }));
  const deps = {
    mode: config.WRITE_MODE,
    topicPrefix: config.TOPIC_PREFIX,
    publisher,
    direct,
    idempotency,
    metrics,
    currentStatus: async (tenantCode: string, orderId: string) => (await currentStatus(connection, { tenantCode }, orderId)) ?? null,
  };
  api.post('/orders/validate', validateOnly());
  for (const route of WRITE_ROUTES) api[route.method](route.path, writeHandler(route, deps));
  api.use(orderReadRoutes(connection, config.ORDER_WAIT_MAX_MS));
  const lowStock = config.WRITE_MODE === 'direct' ? undefined : lowStockAlert((event) => publisher.publish(event), config.TOPIC_PREFIX, logger);
  api.use(notificationReadRoutes(connection, keyring));
  api.use(careReadRoutes(connection, keyring));
  api.use(auditReadRoutes(connection));
  api.use(deliveryReadRoutes(connection, positions, feed, { heartbeatMs: config.SSE_HEARTBEAT_MS, maxStreamMs: config.SSE_MAX_STREAM_MS }));
  api.use(analyticsReadRoutes(analyticsConnection));
  api.use(productRoutes(products, lowStock ? { onLowStock: lowStock } : {}));

  api.use((req, _res, next) => next(new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use('/api/v1', api);
  app.use((req, _res, next) => next(new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(logger));

  return {
    registry,
    ready,
    get port() {
      return (server?.address() as AddressInfo | null)?.port ?? config.PORT;
    },
    start() {
      started ??= (async () => {
        // No command buffering: a down database fails fast (503) instead of queueing requests.
        await connection.openUri(config.MONGO_URL, { dbName: mongoDatabaseName(config.MONGO_URL), serverSelectionTimeoutMS: 5_000, maxPoolSize: 50, bufferCommands: false });
        const analyticsUrl = analyticsMongoUrl(config);
        await analyticsConnection.openUri(analyticsUrl, { dbName: mongoDatabaseName(analyticsUrl), serverSelectionTimeoutMS: 5_000, maxPoolSize: 10, bufferCommands: false });
        const mongoServer = await detectMongoServer(connection);
        await idempotency.init(mongoServer, logger);
        products.init(mongoServer);
        accepting = true;
        if (kafkaNeeded) producers.start();
        // Not awaited: the stream answers 503 until the feed joined; writes need not wait for it.
        feed?.start().catch((error: unknown) => logger.error({ err: error }, 'delivery feed did not start'));
        server = await new Promise<Server>((resolve) => {
          const s = app.listen(config.PORT, () => resolve(s));
        });
        // Longer than a typical load balancer idle timeout, so the balancer closes first.
        server.keepAliveTimeout = 65_000;
        logger.info({ port: (server.address() as AddressInfo).port, mode: config.WRITE_MODE }, 'producer API listening');
      })();
      return started;
    },
    stop(reason = 'stop') {
      stopped ??= (async () => {
        logger.info({ reason }, 'stopping: readiness fails, intake stops, publisher flushes');
        accepting = false;
        // Open SSE streams are never idle: close them so server.close() can finish.
        feed?.closeAll();
        if (server) {
          const closed = new Promise<void>((r) => server!.close(() => r()));
          // A keep-alive connection that finishes its request after close() would otherwise stay
          // open for keepAliveTimeout (65 s), past the pod's grace period: close each once idle.
          const reaper = setInterval(() => server!.closeIdleConnections(), 50);
          server.closeIdleConnections();
          await closed;
          clearInterval(reaper);
        }
        // Every request has been answered by now; a batch stuck on an unreachable broker is cut off.
        await Promise.race([publisher.drain(), new Promise((r) => setTimeout(r, config.PUBLISH_TIMEOUT_MS).unref())]);
        await producers.stop();
        await feed?.stop();
        idempotency.close();
        await connection.close().catch(() => undefined);
        await analyticsConnection.close().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
