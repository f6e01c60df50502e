/**
 * Steady order load through the producer API, the way a careful client behaves: every write has
 * an Idempotency-Key, a 503 / 429 / network error is retried with the same key after
 * Retry-After, and a create is followed by a status change (paid, or cancelled for every tenth
 * order so inventory releases stock). Every answer is recorded per order, so the verifier can
 * count what was accepted and what the platform made of it.
 */
import { Agent, request } from 'node:http';

export interface TrackedWrite {
  readonly key: string;
  /** The event id of the first 202; a later 202 with another id for the key is a duplicate. */
  eventId?: string;
  otherEventIds: string[];
  attempts: number;
  unavailable: number;
  /** Answered 202 (accepted) — the promise under test applies. */
  accepted: boolean;
  /** Gave up (never accepted): refused, may or may not have been written (unknown outcome). */
  gaveUp: boolean;
  other: number;
}

export interface TrackedOrder {
  readonly n: number;
  readonly tenantCode: string;
  readonly orderId: string;
  readonly phase: string;
  readonly products: string[];
  readonly quantities: number[];
  readonly create: TrackedWrite;
  status?: TrackedWrite & { to: 'paid' | 'cancelled' };
}

export interface LoadOptions {
  readonly apiUrl: string;
  /** tenantCode → API key */
  readonly keys: Record<string, string>;
  readonly productsPerTenant: number;
  readonly ratePerSecond: number;
  readonly runId: string;
  /** Give up on a write after this long (the client's patience). */
  readonly retryForMs: number;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LoadGenerator {
  readonly orders: TrackedOrder[] = [];
  phase = 'warmup';
  private timer?: NodeJS.Timeout;
  private n = 0;
  private inflight = new Set<Promise<void>>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly tenants: string[];
  /** Answers per second (any status) for recovery detection. */
  last202At = 0;
  total503 = 0;
  /** Answers by HTTP status ('net' for no answer), for the progress line and the report. */
  readonly statuses: Record<string, number> = {};

  constructor(private readonly options: LoadOptions) {
    this.tenants = Object.keys(options.keys);
  }

  start(): void {
    const tickMs = 20;
    let carry = 0;
    this.timer = setInterval(() => {
      carry += (this.options.ratePerSecond * tickMs) / 1000;
      while (carry >= 1) {
        carry--;
        // Back-pressure of last resort: a client does not open unbounded requests.
        if (this.inflight.size > 4_000) continue;
        this.launch();
      }
    }, tickMs);
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inflight.size) await Promise.all([...this.inflight]);
    this.agent.destroy();
  }

  private launch(): void {
    const n = this.n++;
    const tenantCode = this.tenants[n % this.tenants.length]!;
    const count = 1 + (n % 2);
    const products = Array.from({ length: count }, (_, i) => `chaos-p${(n + i * 3) % this.options.productsPerTenant}`);
    const order: TrackedOrder = {
      n,
      tenantCode,
      orderId: `${this.options.runId}-o${n}`,
      phase: this.phase,
      products,
      quantities: products.map((_, i) => 1 + ((n + i) % 3)),
      create: blank(`${this.options.runId}-c${n}`),
    };
    this.orders.push(order);
    const p = this.drive(order).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private async drive(order: TrackedOrder): Promise<void> {
    const body = {
      orderId: order.orderId,
      tenantCode: order.tenantCode,
      customer: { name: `Customer ${order.n}`, phone: `+4915${String(order.n).padStart(9, '0')}` },
      items: order.products.map((productId, i) => ({ productId, medication: `Medication ${productId}`, quantity: order.quantities[i]!, unitPrice: 2.5 })),
      totalPrice: order.quantities.reduce((s, q) => s + q * 2.5, 0),
    };
    await this.write(order, order.create, '/api/v1/orders', body);
    if (!order.create.accepted) return;
    await wait(100 + (order.n % 5) * 50);
    const to = order.n % 10 === 0 ? 'cancelled' : 'paid';
    order.status = { ...blank(`${this.options.runId}-s${order.n}`), to };
    await this.write(order, order.status, `/api/v1/orders/${encodeURIComponent(order.orderId)}/status`, { status: to, reason: 'chaos' });
  }

  private async write(order: TrackedOrder, w: TrackedWrite, path: string, body: unknown): Promise<void> {
    const deadline = Date.now() + this.options.retryForMs;
    for (;;) {
      w.attempts++;
      let status = 0;
      let retryAfter = 1;
      try {
        const res = await post(this.agent, `${this.options.apiUrl}${path}`, body, {
          authorization: `Bearer ${this.options.keys[order.tenantCode]}`,
          'idempotency-key': w.key,
        });
        status = res.status;
        const text = res.body;
        retryAfter = Number(res.retryAfter ?? 1) || 1;
        if (status === 202) {
          this.statuses[202] = (this.statuses[202] ?? 0) + 1;
          const eventId = (JSON.parse(text) as { eventId: string }).eventId;
          if (!w.eventId) w.eventId = eventId;
          else if (w.eventId !== eventId) w.otherEventIds.push(eventId);
          w.accepted = true;
          this.last202At = Date.now();
          return;
        }
      } catch {
        status = 0;
      }
      this.statuses[status || 'net'] = (this.statuses[status || 'net'] ?? 0) + 1;
      if (status === 503) {
        w.unavailable++;
        this.total503++;
      } else if (status === 429 || status === 0 || status === 409) {
        // Throttled, no answer, or a concurrent attempt of the same key holds it: retry the same key.
        w.other++;
      } else {
        // Any other 4xx / 5xx will not get better by retrying.
        w.other++;
        w.gaveUp = true;
        return;
      }
      if (Date.now() > deadline) {
        w.gaveUp = true;
        return;
      }
      await wait(Math.min(retryAfter, 10) * 1000 * (0.5 + Math.random() / 2));
    }
  }
}

function blank(key: string): TrackedWrite {
  return { key, otherEventIds: [], attempts: 0, unavailable: 0, accepted: false, gaveUp: false, other: 0 };
}

/** One JSON POST on a keep-alive agent; rejects on network errors and after 30 s. */
export function post(agent: Agent, url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(url, { method: 'POST', agent, timeout: 30_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, retryAfter: res.headers['retry-after'] as string | undefined }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}
