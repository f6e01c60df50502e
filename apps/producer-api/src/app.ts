import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import helmet from 'helmet';
import mongoose from 'mongoose';
import type { Registry } from 'prom-client';
import { currentStatus } from '@medlives/orders';
import { createKafka } from '@medlives/kafka';
import { detectMongoServer } from '@medlives/mongo';
import { createLogger, createRegistry, kafkaConnection, type Logger, mongoDatabaseName } from '@medlives/runtime';
import type { ApiConfig } from './config';
import { authenticate } from './http/auth';
import { correlation } from './http/correlation';
import { HttpError, errorHandler } from './http/errors';
import { apiMetrics, observeRequests } from './http/metrics';
import { rateLimit } from './http/rate-limit';
import { BatchingPublisher } from './publisher';
import { docsPage, openApiDocument } from './routes/openapi';
import { productRoutes } from './routes/products';
import { writeHandler } from './routes/write-handler';
import { WRITE_ROUTES } from './routes/write-routes';
import { validateOnly } from './routes/validate';
import { DirectWriter } from './store/direct-writer';
import { IdempotencyStore } from './store/idempotency';
import { ProductStore } from './store/products';
import { orderReadRoutes } from './routes/orders-read';
import { notificationReadRoutes } from './routes/notifications-read';

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

export function createApp(config: ApiConfig, options: { logger?: Logger; registry?: Registry } = {}): ProducerApi {
  const logger = options.logger ?? createLogger('producer-api', config.LOG_LEVEL);
  const registry = options.registry ?? createRegistry('producer-api');
  const metrics = apiMetrics(registry);
  const connection = mongoose.createConnection();
  const kafka = createKafka({ ...kafkaConnection(config, 'producer-api'), connectionTimeoutMs: 1_000, requestTimeoutMs: config.PUBLISH_TIMEOUT_MS }, { retries: 2 });
  // Idempotent + acks=all: a retried batch is de-duplicated by the broker; one request in flight keeps order.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 } });
  const publisher = new BatchingPublisher(producer, { lingerMs: config.PUBLISH_LINGER_MS, maxBatch: config.PUBLISH_MAX_BATCH, timeoutMs: config.PUBLISH_TIMEOUT_MS }, {
    sendDuration: metrics.sendDuration,
    batchSize: metrics.batchSize,
    errors: metrics.producerErrors,
  });
  const idempotency = new IdempotencyStore(connection, config.IDEMPOTENCY_TTL_HOURS * HOUR_MS);
  const products = new ProductStore(connection, metrics);
  const direct = new DirectWriter(connection, metrics);
  const document = openApiDocument({ maxWaitMs: config.ORDER_WAIT_MAX_MS });

  let producerConnected = false;
  let accepting = false;
  let server: Server | undefined;
  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  producer.on(producer.events.CONNECT, () => (producerConnected = true));
  producer.on(producer.events.DISCONNECT, () => (producerConnected = false));

  const kafkaNeeded = config.WRITE_MODE !== 'direct';
  const ready = () => accepting && connection.readyState === 1 && (!kafkaNeeded || producerConnected);

  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(correlation);
  app.use(observeRequests(metrics));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => {
    const checks = { accepting, mongo: connection.readyState === 1, kafka: kafkaNeeded ? producerConnected : 'not used' };
    res.status(ready() ? 200 : 503).json({ status: ready() ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  const api = Router();
  api.get('/openapi.json', (_req, res) => void res.json(document));
  api.get('/docs', (_req, res) => void res.type('html').send(docsPage(document)));
  api.use(authenticate(config.apiKeys));
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
  api.use(notificationReadRoutes(connection));
  api.use(productRoutes(products));
  api.use((req, _res, next) => next(new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use('/api/v1', api);
  app.use((req, _res, next) => next(new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(logger));

  async function connectProducer(): Promise<void> {
    while (accepting && !producerConnected) {
      try {
        await producer.connect();
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'Kafka not reachable; writes answer 503 until it is');
        await new Promise((r) => setTimeout(r, 2_000).unref());
      }
    }
  }

  return {
    registry,
    ready,
    get port() {
      return (server?.address() as AddressInfo | null)?.port ?? config.PORT;
    },
    start() {
      started ??= (async () => {
        await connection.openUri(config.MONGO_URL, { dbName: mongoDatabaseName(config.MONGO_URL), serverSelectionTimeoutMS: 5_000, maxPoolSize: 50 });
        const mongoServer = await detectMongoServer(connection);
        await idempotency.init(mongoServer, logger);
        await products.init(mongoServer);
        accepting = true;
        if (kafkaNeeded) void connectProducer();
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
        if (server) {
          const closed = new Promise<void>((r) => server!.close(() => r()));
          server.closeIdleConnections();
          await closed;
        }
        await publisher.drain();
        await producer.disconnect().catch(() => undefined);
        idempotency.close();
        await connection.close().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
