/**
 * The HTTP client of the channels that speak HTTP (SMS provider, webhooks, push services):
 * undici with a keep-alive pool, so a batch of sends to one host reuses a few warm
 * connections instead of a TCP (and TLS) handshake per message, and with timeouts at every
 * stage, so a host that hangs costs one attempt, never a worker's lease.
 *
 * undici's `request` rather than `fetch`: the same pool and timeouts with a fraction of the
 * per-call overhead (no WHATWG streams), which matters at thousands of sends a second.
 */
import { Agent, request, type Dispatcher } from 'undici';

export type HttpResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** the start of the response body, enough to explain a refusal ('' for a 2xx whose body was discarded) */
  text: string;
};

export type HttpPost = {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /**
   * 'discard' when the caller reads nothing of a 2xx answer but its status and headers: its
   * body is then drained without being buffered or decoded. Other answers are always read.
   * Defaults to 'read'.
   */
  successBody?: 'read' | 'discard';
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

type ResponseBody = Dispatcher.ResponseData['body'];

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

/**
 * Reads the start of an answer's body, or drains it when nobody reads it. The async iterator
 * costs promises and a buffer per chunk, a good share of a webhook's CPU, so it is kept for
 * bodies of unknown or too large a length; a body whose announced length fits is read whole
 * by undici (`text()`, bounded by that length), and one not wanted is dumped (`dump()`, which
 * gives up on the connection past the same bound rather than read a gigabyte).
 */
async function readBody(body: ResponseBody, headers: HttpResponse['headers'], isWanted: boolean): Promise<string> {
  const length = Number(headerValue(headers, 'content-length') ?? Number.NaN);
  if (!isWanted || length === 0) {
    await body.dump({ limit: maxResponseBytes });
    return '';
  }
  if (Number.isSafeInteger(length) && length > 0 && length <= maxResponseBytes) return body.text();
  return readStart(body);
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
    post: async ({ url, headers, body, successBody = 'read' }) => {
      const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
      const isSuccess = response.statusCode >= 200 && response.statusCode < 300;
      const text = await readBody(response.body, response.headers, !isSuccess || successBody === 'read');
      return { status: response.statusCode, headers: response.headers, text };
    },
    close: () => agent.close(),
  };
}

/** One value of a response header (the first, when it came several times). */
export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
