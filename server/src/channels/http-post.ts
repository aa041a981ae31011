/**
 * The HTTP client of the channels that speak HTTP (SMS provider, webhooks, push services):
 * undici with a keep-alive pool, so a batch of sends to one host reuses a few warm
 * connections instead of a TCP (and TLS) handshake per message, and with timeouts at every
 * stage, so a host that hangs costs one attempt, never a worker's lease.
 *
 * undici's `request` rather than `fetch`: the same pool and timeouts with a fraction of the
 * per-call overhead (no WHATWG streams), which matters at thousands of sends a second.
 */
import { Agent, request } from 'undici';

export type HttpResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** the start of the response body, enough to explain a refusal */
  text: string;
};

export type HttpPost = {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
};

export type HttpClient = {
  /** POSTs and resolves with the answer, whatever its status; rejects on network errors and timeouts. */
  post: (input: HttpPost) => Promise<HttpResponse>;
  /** Closes the pooled connections. */
  close: () => Promise<void>;
};

export type HttpClientOptions = {
  /** connect, then wait for the answer's headers, then for each chunk of its body: each at most this */
  timeoutMs?: number;
  /** open connections per host at most; sends beyond it wait for a free one */
  connectionsPerHost?: number;
};

const defaultTimeoutMs = 10_000;
/** Enough of an error page to quote; the rest of the body is not read. */
const maxResponseBytes = 16 * 1024;

async function readStart(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    // Leaving the loop destroys the stream: a receiver cannot make Herald read a gigabyte.
    if (size >= maxResponseBytes) break;
  }
  return Buffer.concat(chunks).subarray(0, maxResponseBytes).toString('utf8');
}

/** Creates a pooled HTTP client; every channel sender owns one and closes it with itself. */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const agent = new Agent({
    connections: options.connectionsPerHost ?? 50,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });
  return {
    post: async ({ url, headers, body }) => {
      const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
      return { status: response.statusCode, headers: response.headers, text: await readStart(response.body) };
    },
    close: () => agent.close(),
  };
}

/** One value of a response header (the first, when it came several times). */
export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
