/**
 * The HTTP client of the channels that speak HTTP (SMS provider, webhooks, push services):
 * undici with a keep-alive pool, so a batch of sends to one host reuses a few warm
 * connections instead of a TCP (and TLS) handshake per message, and with timeouts at every
 * stage, so a host that hangs costs one attempt, never a worker's lease.
 *
 * The pool runs in a worker thread of its own (http-thread-entry.mjs): writing each request to
 * its socket and parsing each answer is about a third of what a webhook costs Node, and in
 * its own thread it runs beside the worker's claims, rendering and records, on the second
 * core, instead of taking turns with them (docs/benchmarks.md). The posts made in one turn of
 * the event loop cross to the thread in one message, and the answers come back the same way.
 */
import { Worker } from 'node:worker_threads';

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

/** A failure as the thread describes it: the error's name, message, code and cause, as data. */
type ErrorDescription = { name: string; message: string; code?: string; cause?: ErrorDescription };
type Answer = [id: number, status: number, headers: HttpResponse['headers'], text: string] | [id: number, status: 0, error: ErrorDescription];
type Post = [id: number, url: string, headers: HttpPost['headers'], body: HttpPost['body'], successBody: 'read' | 'discard'];
type Waiter = { resolve: (response: HttpResponse) => void; reject: (error: Error) => void };

/** A request that got no answer, rebuilt from the thread's description: `code` and `cause` as undici and Node set them. */
class HttpThreadError extends Error {
  readonly code: string | undefined;

  constructor(description: ErrorDescription) {
    super(description.message, description.cause ? { cause: new HttpThreadError(description.cause) } : undefined);
    this.name = description.name;
    this.code = description.code;
  }
}

/**
 * Creates a pooled HTTP client with a thread of its own; every channel sender owns one and
 * closes it with itself. The thread starts with the first post, does not keep the process
 * alive while nothing is in flight, and starts again with the next post if it ever dies
 * (what was in flight then fails as a network error, which is retried).
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const workerData = { timeoutMs: options.timeoutMs ?? defaultTimeoutMs, connectionsPerHost: options.connectionsPerHost ?? 50 };
  const waiting = new Map<number, Waiter>();
  let thread: Worker | undefined;
  let isClosed = false;
  let nextId = 1;
  let posts: Post[] = [];
  let onClosed: (() => void) | undefined;

  function answered(answers: Answer[] | 'closed'): void {
    if (answers === 'closed') return onClosed?.();
    for (const [id, status, headersOrError, text] of answers) {
      const waiter = waiting.get(id);
      if (!waiter) continue;
      waiting.delete(id);
      if (status === 0) waiter.reject(new HttpThreadError(headersOrError as ErrorDescription));
      else waiter.resolve({ status, headers: headersOrError as HttpResponse['headers'], text: text ?? '' });
    }
    if (waiting.size === 0) thread?.unref();
  }

  function start(): Worker {
    // No execArgv of the parent's: the thread runs plain JavaScript and needs no loader (tsx, Vitest).
    const started = new Worker(new URL('./http-thread-entry.mjs', import.meta.url), { workerData, execArgv: [] });
    started.on('message', answered);
    const stop = (error: Error) => {
      if (thread !== started) return;
      thread = undefined;
      posts = [];
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
      onClosed?.();
    };
    started.on('error', (error) => stop(new Error(`the HTTP thread failed: ${error.message}`, { cause: error })));
    started.on('exit', (code) => stop(new Error(`the HTTP thread stopped (exit code ${code})`)));
    return started;
  }

  function flush(): void {
    const ready = posts;
    posts = [];
    if (ready.length === 0 || !thread) return;
    try {
      thread.postMessage(ready);
    } catch {
      // A value that cannot cross to the thread: that post fails, the others go one by one.
      for (const one of ready) {
        try {
          thread.postMessage([one]);
        } catch (error) {
          waiting.get(one[0])?.reject(error as Error);
          waiting.delete(one[0]);
        }
      }
      if (waiting.size === 0) thread.unref();
    }
  }

  return {
    post: ({ url, headers, body, successBody = 'read' }) => new Promise<HttpResponse>((resolve, reject) => {
      if (isClosed) throw new Error('the HTTP client is closed');
      thread ??= start();
      const id = nextId;
      nextId += 1;
      waiting.set(id, { resolve, reject });
      if (waiting.size === 1) thread.ref();
      posts.push([id, url, headers, body, successBody]);
      if (posts.length === 1) setImmediate(flush);
    }),
    close: async () => {
      isClosed = true;
      const closing = thread;
      if (!closing) return;
      flush();
      closing.ref();
      // The pool closes once what is in flight is answered.
      await new Promise<void>((resolve) => {
        onClosed = resolve;
        closing.postMessage('close');
      });
      thread = undefined;
      await closing.terminate();
    },
  };
}

/** One value of a response header (the first, when it came several times). */
export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
