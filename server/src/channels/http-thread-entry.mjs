/**
 * The thread that sends the HTTP requests of one HTTP client (see http-post.ts, which starts
 * it and speaks for it in the main thread). It owns undici's keep-alive pool, writes each
 * request to its socket and parses each answer, so that this work, a third of a webhook's cost
 * in Node, runs beside the worker's claims, rendering and records instead of taking turns with
 * them on one core. Plain JavaScript because a worker thread does not inherit the TypeScript
 * loader its parent runs under (tsx, Vitest).
 *
 * undici's `dispatch` with a handler of its own rather than `request` or `fetch`: the same pool
 * and timeouts, without `request`'s Readable body stream and promise plumbing per answer (or
 * `fetch`'s WHATWG streams), which matters at thousands of sends a second.
 *
 * Messages in: an array of posts, each `[id, url, headers, body, successBody]`, or 'close'.
 * Messages out: an array of answers, each `[id, status, headers, text]` or, when a request got
 * no answer, `[id, 0, { name, message, code, cause }]`; and 'closed' once the pool is closed.
 * Answers that end in the same turn of the event loop go out in one message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Agent } from 'undici';

/** Enough of an error page to quote; the rest of the body is not read. */
const maxResponseBytes = 16 * 1024;

/** Why an answer's body was given up: only the handler itself sees it, as its own abort. */
const bodyTooLarge = new Error('the answer\'s body is longer than Herald reads');

const { timeoutMs, connectionsPerHost } = workerData;
const agent = new Agent({
  connections: connectionsPerHost,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 120_000,
  headersTimeout: timeoutMs,
  bodyTimeout: timeoutMs,
  connect: { timeout: timeoutMs },
});

let answers = [];
function answer(entry) {
  answers.push(entry);
  if (answers.length > 1) return;
  setImmediate(() => {
    const ready = answers;
    answers = [];
    parentPort.postMessage(ready);
  });
}

/** An error as plain data (an Error's own fields do not survive postMessage), with its cause's. */
function describeError(error) {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const cause = error.cause === undefined ? undefined : describeError(error.cause);
  return { name: error.name, message: error.message, ...(typeof error.code === 'string' ? { code: error.code } : {}), ...(cause ? { cause } : {}) };
}

/**
 * Collects one answer from undici's callbacks: its status, its headers (undici parses them,
 * lowercase names, a repeated header as an array) and the start of its body. It answers when
 * the body has ended, the connection then free for the next send. Past `maxResponseBytes` it
 * aborts the request, which closes the connection: a receiver cannot make Herald read a
 * gigabyte, wanted or not. A 2xx whose body nobody reads keeps none of it.
 */
class AnswerCollector {
  status = 0;
  headers = {};
  chunks = [];
  size = 0;
  isBodyKept = true;
  isSettled = false;

  constructor(id, successBody) {
    this.id = id;
    this.successBody = successBody;
  }

  // Its presence tells undici this handler speaks the v7 API (onResponse…); nothing to do.
  onRequestStart() {}

  onResponseStart(_controller, statusCode, headers) {
    // 1xx answers are informational: the real one follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    this.isBodyKept = statusCode >= 300 || this.successBody === 'read';
  }

  onResponseData(controller, chunk) {
    this.size += chunk.length;
    if (this.isBodyKept) this.chunks.push(chunk);
    if (this.size > maxResponseBytes) {
      this.settle();
      controller.abort(bodyTooLarge);
    }
  }

  onResponseEnd() {
    this.settle();
  }

  onResponseError(_controller, error) {
    // After settle() the error is the abort past the bound, or a body that failed after it
    // was read far enough: the answer already went out.
    if (this.isSettled) return;
    this.isSettled = true;
    answer([this.id, 0, describeError(error)]);
  }

  settle() {
    if (this.isSettled) return;
    this.isSettled = true;
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const text = this.chunks.length === 0 ? '' : body.subarray(0, maxResponseBytes).toString('utf8');
    answer([this.id, this.status, this.headers, text]);
  }
}

function send(id, url, headers, body, successBody) {
  try {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`not an http(s) URL: ${target.protocol}`);
    agent.dispatch({ origin: target.origin, path: `${target.pathname}${target.search}`, method: 'POST', headers, body }, new AnswerCollector(id, successBody));
  } catch (error) {
    answer([id, 0, describeError(error)]);
  }
}

parentPort.on('message', (message) => {
  if (message === 'close') {
    agent.close().then(() => parentPort.postMessage('closed'));
    return;
  }
  for (const [id, url, headers, body, successBody] of message) send(id, url, headers, body, successBody);
});
