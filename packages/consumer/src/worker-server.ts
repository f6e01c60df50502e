import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Registry } from 'prom-client';

export interface HealthReport {
  readonly ok: boolean;
  readonly [detail: string]: unknown;
}

export interface WorkerServerOptions {
  readonly registry: Registry;
  /** Liveness: false only when the process should be restarted. */
  readonly health: () => HealthReport;
  /** Readiness: joined the group and the sink answers. */
  readonly ready: () => Promise<HealthReport> | HealthReport;
}

export interface WorkerServer {
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** /healthz, /readyz and /metrics for a consumer worker (WORKER_HTTP_PORT in the cluster). */
export function createWorkerServer(options: WorkerServerOptions): WorkerServer {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    const report = options.health();
    res.status(report.ok ? 200 : 503).json(report);
  });
  app.get('/readyz', async (_req, res) => {
    const report = await Promise.resolve(options.ready()).catch((error: unknown) => ({ ok: false, error: String(error) }));
    res.status(report.ok ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', options.registry.contentType).send(await options.registry.metrics());
  });
  let server: Server | undefined;
  return {
    async listen(port, host) {
      server = app.listen(port, host ?? '0.0.0.0');
      await once(server, 'listening');
      return (server.address() as AddressInfo).port;
    },
    async close() {
      if (!server) return;
      const s = server;
      server = undefined;
      s.closeAllConnections?.();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
