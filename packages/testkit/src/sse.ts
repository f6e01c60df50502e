import { Agent, type IncomingMessage, type ClientRequest, request } from 'node:http';

export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
  /** performance.now() when the event's blank line arrived. */
  readonly receivedAt: number;
}

export interface SseClient {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly events: SseEvent[];
  /** Comment lines (`: heartbeat`) seen so far. */
  readonly comments: string[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** The body when the answer was not a stream (errors). */
  body(): string;
  close(): void;
}

/** One agent for many streams: no socket limit, so a thousand watchers open at once. */
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

/**
 * A minimal Server-Sent Events client over node:http (event, id, data and comment lines), cheap
 * enough to hold a thousand streams in one test process. Resolves once the response headers came.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    // eslint-disable-next-line prefer-const
    req = request(url, { agent, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      let raw = '';
      let buffer = '';
      let fields: { id?: string; event?: string; data: string[] } = { data: [] };
      const ended = new Promise<void>((done) => {
        res.once('end', () => done());
        res.once('close', () => done());
        res.once('error', () => done());
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          raw += chunk;
          return;
        }
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (fields.data.length || fields.event) events.push({ ...(fields.id === undefined ? {} : { id: fields.id }), event: fields.event ?? 'message', data: fields.data.join('\n'), receivedAt: performance.now() });
            fields = { data: [] };
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
          } else {
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (name === 'data') fields.data.push(value);
            else if (name === 'id') fields.id = value;
            else if (name === 'event') fields.event = value;
          }
        }
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, events, comments, ended, body: () => raw, close: () => req.destroy() });
    });
    req.once('error', reject);
    req.end();
  });
}
