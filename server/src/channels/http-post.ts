/**
 * The HTTP client of the channels that speak HTTP (SMS provider, webhooks, push services):
 * undici with a keep-alive pool, so a batch of sends to one host reuses a few warm
 * connections instead of a TCP (and TLS) handshake per message, and with timeouts at every
 * stage, so a host that hangs costs one attempt, never a worker's lease.
 *
 * undici's `dispatch` with a handler of its own rather than `request` or `fetch`: the same
 * pool and timeouts, without `request`'s Readable body stream and promise plumbing per
 * answer (or `fetch`'s WHATWG streams), which matters at thousands of sends a second.
 */
import { Agent, type Dispatcher } from 'undici';

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
   * body is then read off the connection without being kept or decoded. Other answers are
   * always read. Defaults to 'read'.
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

/** Why an answer's body was given up: only the handler itself sees it, as its own abort. */
const bodyTooLarge = new Error('the answer\'s body is longer than Herald reads');

/**
 * Collects one answer from undici's callbacks: its status, its headers (undici parses them,
 * lowercase names, a repeated header as an array) and the start of its body. It resolves when
 * the body has ended, the connection then free for the next send. Past `maxResponseBytes` it
 * aborts the request, which closes the connection: a receiver cannot make Herald read a
 * gigabyte, wanted or not. A 2xx whose body nobody reads keeps none of it.
 */
class AnswerCollector implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: HttpResponse['headers'] = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private isBodyKept = true;
  private isSettled = false;

  constructor(
    private readonly successBody: 'read' | 'discard',
    private readonly resolve: (response: HttpResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  // Its presence tells undici this handler speaks the v7 API (onResponse…); nothing to do.
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: HttpResponse['headers']): void {
    // 1xx answers are informational: the real one follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    this.isBodyKept = statusCode >= 300 || this.successBody === 'read';
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.isBodyKept) this.chunks.push(chunk);
    if (this.size > maxResponseBytes) {
      this.settle();
      controller.abort(bodyTooLarge);
    }
  }

  onResponseEnd(): void {
    this.settle();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // After settle() the error is the abort past the bound, or a body that failed after it
    // was read far enough: the answer already went out.
    if (this.isSettled) return;
    this.isSettled = true;
    this.reject(error);
  }

  private settle(): void {
    if (this.isSettled) return;
    this.isSettled = true;
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const text = this.chunks.length === 0 ? '' : body.subarray(0, maxResponseBytes).toString('utf8');
    this.resolve({ status: this.status, headers: this.headers, text });
  }
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
    post: ({ url, headers, body, successBody = 'read' }) => new Promise<HttpResponse>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`not an http(s) URL: ${target.protocol}`);
      agent.dispatch(
        { origin: target.origin, path: `${target.pathname}${target.search}`, method: 'POST', headers, body },
        new AnswerCollector(successBody, resolve, reject),
      );
    }),
    close: () => agent.close(),
  };
}

/** One value of a response header (the first, when it came several times). */
export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
