/**
 * A small TCP proxy for fault injection at the network level: it passes, delays or blackholes
 * the bytes between a client and one upstream server, or cuts every connection.
 *
 * Kafka: a client bootstraps from the proxy but then connects to the addresses the broker
 * advertises in Metadata responses, which would bypass the proxy. With `kafka: true` the proxy
 * reads the Kafka framing, remembers which request each correlation id belongs to, and rewrites
 * the broker list of Metadata responses (non-flexible versions 1–8, the ones KafkaJS speaks) to
 * its own address. That only works for a single broker, which is what local infra runs.
 */
import { type AddressInfo, type Server, type Socket, createConnection, createServer } from 'node:net';

export type ProxyMode =
  /** Forward everything at once. */
  | { kind: 'pass' }
  /** Forward everything after `ms`, in order (requests reach the server; answers come late). */
  | { kind: 'delay'; ms: number; direction?: 'both' | 'responses' }
  /** Accept and swallow every byte in both directions; connections stay open. */
  | { kind: 'blackhole' }
  /** Close every connection and refuse new ones (a server that went away). */
  | { kind: 'reset' };

export interface TcpProxy {
  /** `host:port` clients should dial. */
  readonly address: string;
  readonly port: number;
  set(mode: ProxyMode): void;
  /** Connections seen so far (to assert the traffic really went through the proxy). */
  readonly connections: number;
  /** Kafka only: Metadata responses rewritten to the proxy address. */
  readonly metadataRewrites: number;
  close(): Promise<void>;
}

const METADATA = 3;

interface Pipe {
  client: Socket;
  server: Socket;
}

/** Cuts a byte stream into size-prefixed Kafka frames. */
class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Buffer[] = [];
    while (this.buffer.length >= 4) {
      const size = this.buffer.readInt32BE(0);
      if (this.buffer.length < 4 + size) break;
      frames.push(this.buffer.subarray(0, 4 + size));
      this.buffer = this.buffer.subarray(4 + size);
    }
    return frames;
  }
}

/** Metadata response v1–v8 with every broker's host/port replaced; other bytes verbatim. */
export function rewriteMetadata(frame: Buffer, version: number, host: string, port: number): Buffer {
  if (version < 1 || version > 8) throw new Error(`tcp-proxy: Metadata v${version} is not supported (flexible versions need compact strings)`);
  let at = 4 + 4; // size, correlation id
  if (version >= 3) at += 4; // throttle_time_ms
  const count = frame.readInt32BE(at);
  at += 4;
  const brokers: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = frame.readInt32BE(at);
    at += 4;
    at += 2 + frame.readInt16BE(at); // host
    at += 4; // port
    const rackLength = frame.readInt16BE(at);
    const rack = frame.subarray(at, at + 2 + Math.max(0, rackLength));
    at += rack.length;
    const hostBytes = Buffer.from(host);
    const head = Buffer.alloc(4 + 2 + hostBytes.length + 4);
    head.writeInt32BE(nodeId, 0);
    head.writeInt16BE(hostBytes.length, 4);
    hostBytes.copy(head, 6);
    head.writeInt32BE(port, 6 + hostBytes.length);
    brokers.push(head, rack);
  }
  if (count > 1) throw new Error(`tcp-proxy: ${count} brokers advertised; one proxy can stand in for one broker only`);
  const countBytes = Buffer.alloc(4);
  countBytes.writeInt32BE(count);
  const body = Buffer.concat([frame.subarray(4, version >= 3 ? 12 : 8), countBytes, ...brokers, frame.subarray(at)]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

export async function startTcpProxy(upstream: string, options: { kafka?: boolean; host?: string } = {}): Promise<TcpProxy> {
  const [upHost, upPort] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  const host = options.host ?? '127.0.0.1';
  let mode: ProxyMode = { kind: 'pass' };
  let connections = 0;
  let metadataRewrites = 0;
  const pipes = new Set<Pipe>();

  const forward = (to: Socket, chunk: Buffer, direction: 'request' | 'response') => {
    if (mode.kind === 'blackhole' || mode.kind === 'reset') return;
    if (mode.kind === 'delay' && (mode.direction !== 'responses' || direction === 'response')) {
      setTimeout(() => !to.destroyed && to.write(chunk), mode.ms);
      return;
    }
    if (!to.destroyed) to.write(chunk);
  };

  const server: Server = createServer((client) => {
    if (mode.kind === 'reset') return void client.destroy();
    connections++;
    const upstreamSocket = createConnection({ host: upHost, port: upPort });
    const pipe = { client, server: upstreamSocket };
    pipes.add(pipe);
    const end = () => {
      pipes.delete(pipe);
      client.destroy();
      upstreamSocket.destroy();
    };
    client.on('error', end).on('close', end);
    upstreamSocket.on('error', end).on('close', end);
    if (!options.kafka) {
      client.on('data', (chunk: Buffer) => forward(upstreamSocket, chunk, 'request'));
      upstreamSocket.on('data', (chunk: Buffer) => forward(client, chunk, 'response'));
      return;
    }
    const requests = new Map<number, { apiKey: number; version: number }>();
    const fromClient = new FrameReader();
    const fromServer = new FrameReader();
    client.on('data', (chunk: Buffer) => {
      for (const frame of fromClient.push(chunk)) {
        requests.set(frame.readInt32BE(8), { apiKey: frame.readInt16BE(4), version: frame.readInt16BE(6) });
        forward(upstreamSocket, frame, 'request');
      }
    });
    upstreamSocket.on('data', (chunk: Buffer) => {
      for (const frame of fromServer.push(chunk)) {
        const correlationId = frame.readInt32BE(4);
        const request = requests.get(correlationId);
        requests.delete(correlationId);
        if (request?.apiKey === METADATA) {
          metadataRewrites++;
          forward(client, rewriteMetadata(frame, request.version, host, (server.address() as AddressInfo).port), 'response');
        } else {
          forward(client, frame, 'response');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    address: `${host}:${port}`,
    port,
    get connections() {
      return connections;
    },
    get metadataRewrites() {
      return metadataRewrites;
    },
    set(next) {
      mode = next;
      if (next.kind === 'reset') {
        for (const pipe of pipes) {
          pipe.client.destroy();
          pipe.server.destroy();
        }
        pipes.clear();
      }
    },
    async close() {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.server.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
