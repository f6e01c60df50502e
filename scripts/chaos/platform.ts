/**
 * The platform under test, all of it private to one chaos run: its own Kafka and FerretDB (a
 * state directory and ports of their own, started through scripts/infra so a fault can stop
 * exactly these servers and nobody else's), the producer API reaching Kafka through a TCP proxy
 * (latency fault), and the consumer workers as child processes supervised the way Kubernetes
 * would: a worker that exits is started again.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ChildApp, REPO, spawnApp } from '../../packages/testkit/src/child';
import { type TcpProxy, startTcpProxy } from '../../packages/testkit/src/tcp-proxy';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Kafka needs two ports (client, controller): find a free pair. */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const probe = createNetServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port + 1, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => probe.close(resolve));
      return port;
    }
  }
}

export interface InfraSettings {
  readonly stateDir: string;
  readonly kafkaPort: number;
  readonly mongoPort: number;
}

/** scripts/infra for the chaos state dir only: up (start what is down), stop one server, down. */
export class PrivateInfra {
  readonly brokers: string;
  readonly mongoBase: string;
  constructor(readonly settings: InfraSettings) {
    this.brokers = `127.0.0.1:${settings.kafkaPort}`;
    this.mongoBase = `mongodb://127.0.0.1:${settings.mongoPort}`;
    mkdirSync(settings.stateDir, { recursive: true });
  }

  private async cli(...args: string[]): Promise<string> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MEDLIVES_STATE: this.settings.stateDir,
      MEDLIVES_KAFKA_PORT: String(this.settings.kafkaPort),
      MEDLIVES_MONGO_PORT: String(this.settings.mongoPort),
    };
    // Servers of the caller's environment must not be reused in place of ours.
    delete env.KAFKA_BROKERS;
    delete env.MONGO_URL;
    const { stderr } = await run(process.execPath, ['--import', 'tsx', join('scripts', 'infra', 'cli.ts'), ...args], { cwd: REPO, env, maxBuffer: 1 << 22 });
    return stderr;
  }

  up(): Promise<string> {
    return this.cli('up');
  }
  stop(name: 'kafka' | 'ferretdb'): Promise<string> {
    return this.cli('stop', name);
  }
  down(): Promise<string> {
    return this.cli('down');
  }
}

/** A fake SMS / push provider that counts every delivery it receives (it does not deduplicate). */
export class FakeProvider {
  readonly byDelivery = new Map<string, number>();
  readonly byEvent = new Map<string, number>();
  received = 0;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        try {
          const m = JSON.parse(body) as { id: string; channel: string; eventId: string; to: string };
          this.received++;
          this.byDelivery.set(m.id, (this.byDelivery.get(m.id) ?? 0) + 1);
          const key = `${m.eventId}/${m.channel}/${m.to}`;
          this.byEvent.set(key, (this.byEvent.get(key) ?? 0) + 1);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `msg-${this.received}` }));
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/send`;
  }

  duplicates(): number {
    let n = 0;
    for (const c of this.byDelivery.values()) if (c > 1) n += c - 1;
    for (const c of this.byEvent.values()) if (c > 1) n += c - 1;
    return n;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

export type WorkerApp = 'order-persistence' | 'inventory' | 'notification';

interface Supervised {
  readonly id: number;
  readonly app: WorkerApp | 'producer-api';
  child: ChildApp;
  /** False once we stopped it on purpose (scale-in): no restart. */
  wanted: boolean;
  restarts: number;
  startedAt: number;
  backoffMs: number;
}

/** Children started and restarted like pods of a Deployment. */
export class Supervisor {
  private next = 1;
  readonly instances: Supervised[] = [];
  restarts = 0;
  crashes: string[] = [];
  private closed = false;

  constructor(
    private readonly envFor: (app: WorkerApp | 'producer-api') => Record<string, string>,
    private readonly logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  private spawn(app: WorkerApp | 'producer-api', id: number, env: Record<string, string>): ChildApp {
    const child = spawnApp(app, env);
    const file = join(this.logDir, `${app}-${id}.log`);
    const keep = (chunk: Buffer) => appendFileSync(file, chunk);
    child.process.stdout?.on('data', keep);
    child.process.stderr?.on('data', keep);
    return child;
  }

  start(app: WorkerApp | 'producer-api', extra: Record<string, string> = {}): Supervised {
    const id = this.next++;
    const s: Supervised = { id, app, child: this.spawn(app, id, { ...this.envFor(app), ...extra }), wanted: true, restarts: 0, startedAt: Date.now(), backoffMs: 500 };
    this.instances.push(s);
    this.watch(s, extra);
    return s;
  }

  private watch(s: Supervised, extra: Record<string, string>): void {
    void s.child.exited.then((code) => {
      if (this.closed || !s.wanted) return;
      this.restarts++;
      s.restarts++;
      if (code !== null) this.crashes.push(`${s.app}#${s.id} exited ${code}: ${s.child.output().slice(-300)}`);
      // Kubernetes restarts a pod after a back-off that doubles while it keeps crashing (CrashLoopBackOff).
      const quick = Date.now() - s.startedAt < 30_000;
      s.backoffMs = quick ? Math.min(10_000, s.backoffMs * 2) : 1_000;
      setTimeout(() => {
        if (this.closed || !s.wanted) return;
        s.child = this.spawn(s.app, s.id, { ...this.envFor(s.app), ...extra });
        s.startedAt = Date.now();
        this.watch(s, extra);
      }, s.backoffMs);
    });
  }

  running(app: WorkerApp | 'producer-api'): Supervised[] {
    return this.instances.filter((s) => s.app === app && s.wanted);
  }

  /** SIGKILL: the pod dies without any shutdown; the supervisor restarts it. */
  kill(s: Supervised): void {
    s.startedAt = 0; // a kill on purpose is restarted after 1 s, not counted as a crash loop
    s.child.process.kill('SIGKILL');
  }

  /** Scale-in: SIGTERM (graceful) and no restart. */
  async retire(s: Supervised): Promise<void> {
    s.wanted = false;
    s.child.process.kill('SIGTERM');
    await s.child.exited;
  }

  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.instances.map(async (s) => {
        s.wanted = false;
        if (s.child.process.exitCode !== null) return;
        s.child.process.kill('SIGTERM');
        const timer = setTimeout(() => s.child.process.kill('SIGKILL'), 20_000);
        await s.child.exited;
        clearTimeout(timer);
      }),
    );
  }
}

export async function kafkaProxy(brokers: string): Promise<TcpProxy> {
  return startTcpProxy(brokers, { kafka: true });
}
