import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  readonly idempotencyKey: string | undefined;
  readonly authorization: string | undefined;
  readonly body: { id: string; channel: string; to: string; title?: string; body: string; eventId: string; eventType: string; tenantCode: string };
  readonly at: number;
}

/** What the stub does with one request: answer 200, a status, or hang for `ms` first. */
export type Behaviour = 'ok' | { status: number } | { stallMs: number };

/**
 * A real HTTP provider for tests: records every request (no deduplication — the count at the
 * provider is what "never twice" is judged by), answers per recipient from a script, and can
 * fail or stall on demand.
 */
export class WebhookStub {
  readonly requests: StubRequest[] = [];
  private readonly scripts = new Map<string, Behaviour[]>();
  private server: Server | undefined;
  private readonly stalled = new Set<NodeJS.Timeout>();
  url = '';
  /** What recipients without a script get. */
  fallback: Behaviour = 'ok';

  /** Answers for `to`, one per request in order; the last repeats. */
  script(to: string, ...behaviours: Behaviour[]): void {
    this.scripts.set(to, behaviours);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/send`;
  }

  /** Requests for one recipient, or with one delivery id. */
  to(recipient: string): StubRequest[] {
    return this.requests.filter((r) => r.body.to === recipient);
  }

  /** Delivery ids seen more than once: must stay empty. */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const r of this.requests) seen.set(r.body.id, (seen.get(r.body.id) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  }

  async stop(): Promise<void> {
    for (const t of this.stalled) clearTimeout(t);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as StubRequest['body'];
    this.requests.push({ idempotencyKey: header(req, 'idempotency-key'), authorization: header(req, 'authorization'), body, at: Date.now() });
    const script = this.scripts.get(body.to);
    const seen = this.requests.filter((r) => r.body.to === body.to).length;
    const behaviour: Behaviour = script?.[Math.min(seen, script.length) - 1] ?? this.fallback;
    const answer = () => {
      if (behaviour !== 'ok' && 'status' in behaviour) res.writeHead(behaviour.status).end('{"error":"scripted failure"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `stub-${this.requests.length}` }));
    };
    if (behaviour !== 'ok' && 'stallMs' in behaviour) {
      const t = setTimeout(() => {
        this.stalled.delete(t);
        answer();
      }, behaviour.stallMs);
      this.stalled.add(t);
    } else answer();
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
