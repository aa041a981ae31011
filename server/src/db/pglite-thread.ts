/**
 * Herald's embedded PGlite, run in a worker thread of its own.
 *
 * PGlite is PostgreSQL compiled to WebAssembly: every statement runs synchronously in the
 * thread that holds it. In the main thread that is the event loop of the API and of the
 * delivery engine, and a process could use one core for PostgreSQL and Node together
 * (3,400–3,800 webhooks/s, half of it in PGlite; docs/benchmarks.md). In a thread of its own,
 * PostgreSQL's work runs beside Node's on a second core, and a long statement (a segment count
 * over many recipients) no longer stalls every HTTP request.
 *
 * `PgliteThread` offers what Drizzle's PGlite driver and Herald use of a PGlite (`query`,
 * `transaction`, `listen`, `close`) and forwards each call as a message. Semantics stay
 * PGlite's: the thread calls the same methods, so a statement outside an open transaction
 * still waits for it to end.
 */
import { Worker } from 'node:worker_threads';

type Fields = Record<string, string | number | boolean | null>;
type ErrorDescription = { name: string; message: string; fields: Fields };
type Results<T = unknown> = { rows: T[]; fields: Array<{ name: string; dataTypeID: number }>; affectedRows?: number };
type QueryOptions = { rowMode?: 'array' | 'object' };
type Reply = { id: number; result?: unknown; error?: ErrorDescription };
type Event =
  | { op: 'ready' }
  | { op: 'failed'; error: ErrorDescription }
  | { op: 'notification'; channel: string; payload: string };

/** An error PGlite raised in the thread, with PostgreSQL's fields (code, detail, constraint…) as own properties. */
class PgliteError extends Error {
  constructor(description: ErrorDescription) {
    super(description.message);
    this.name = description.name;
    Object.assign(this, description.fields);
  }
}

/** A transaction open in the thread; statements on it carry its id. */
export type PgliteThreadTransaction = {
  query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => Promise<Results<T>>;
  exec: (sql: string) => Promise<Results[]>;
  rollback: () => Promise<void>;
};

export class PgliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  readonly #listeners = new Map<string, Set<(payload: string) => void>>();
  #nextId = 1;
  #isRef = true;
  #stopped: Error | undefined;
  readonly waitReady: Promise<void>;

  /** Starts the thread and PGlite in it; `dataDir` undefined is an in-memory database. */
  constructor(dataDir: string | undefined) {
    // No execArgv of the parent's: the thread runs plain JavaScript and needs no loader (tsx, --input-type…).
    this.#worker = new Worker(new URL('./pglite-thread-entry.mjs', import.meta.url), { workerData: { dataDir }, execArgv: [] });
    this.waitReady = new Promise((resolve, reject) => {
      this.#worker.on('message', (message: Reply | Event) => {
        if ('id' in message) return this.#settle(message);
        if (message.op === 'notification') {
          for (const handler of this.#listeners.get(message.channel) ?? []) handler(message.payload);
        } else if (message.op === 'ready') {
          this.#updateRef();
          resolve();
        } else {
          reject(new PgliteError(message.error));
        }
      });
      const stop = (error: Error) => {
        this.#stopped ??= error;
        reject(error);
        for (const { reject: fail } of this.#pending.values()) fail(error);
        this.#pending.clear();
      };
      this.#worker.on('error', (error) => stop(new Error(`the PGlite thread failed: ${error.message}`, { cause: error })));
      this.#worker.on('exit', (code) => stop(new Error(`the PGlite thread stopped (exit code ${code})`)));
    });
  }

  query<T>(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<Results<T>> {
    return this.#query(undefined, sql, params, options);
  }

  exec(sql: string): Promise<Results[]> {
    return this.#exec(undefined, sql);
  }

  /** Runs `callback` in a transaction: COMMIT if it returns, ROLLBACK if it throws. */
  async transaction<T>(callback: (tx: PgliteThreadTransaction) => Promise<T>): Promise<T> {
    const tx = (await this.#call({ op: 'begin' })) as number;
    const transaction: PgliteThreadTransaction = {
      query: <R>(sql: string, params: unknown[] = [], options: QueryOptions = {}) => this.#query<R>(tx, sql, params, options),
      exec: (sql) => this.#exec(tx, sql),
      rollback: async () => {
        await this.#call({ op: 'rollback', tx });
      },
    };
    let result: T;
    try {
      result = await callback(transaction);
    } catch (error) {
      await this.#call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.#call({ op: 'end', tx, commit: true });
    return result;
  }

  /** Subscribes to a notification channel; resolves with the unsubscribe function. */
  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.#listeners.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#listeners.set(channel, handlers);
      await this.#call({ op: 'listen', channel });
    }
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.#listeners.get(channel) === handlers) {
        this.#listeners.delete(channel);
        await this.#call({ op: 'unlisten', channel });
      }
    };
  }

  /** Closes PGlite (its files are complete on disk) and ends the thread. */
  async close(): Promise<void> {
    if (!this.#stopped) await this.#call({ op: 'close' });
    this.#stopped ??= new Error('the PGlite database is closed');
    await this.#worker.terminate();
  }

  /** A statement on the database itself (`tx` undefined) or in an open transaction. */
  #query<T>(tx: number | undefined, sql: string, params: unknown[], options: QueryOptions): Promise<Results<T>> {
    return this.#call({ op: 'query', tx, sql, params, rowMode: options.rowMode ?? 'object' }) as Promise<Results<T>>;
  }

  #exec(tx: number | undefined, sql: string): Promise<Results[]> {
    return this.#call({ op: 'exec', tx, sql }) as Promise<Results[]>;
  }

  #call(message: Record<string, unknown>): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    const answer = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#worker.postMessage({ ...message, id });
    this.#updateRef();
    return answer;
  }

  #settle(reply: Reply): void {
    const call = this.#pending.get(reply.id);
    if (!call) return;
    this.#pending.delete(reply.id);
    this.#updateRef();
    if (reply.error) call.reject(new PgliteError(reply.error));
    else call.resolve(reply.result);
  }

  /**
   * The thread keeps the process alive only while a statement is waiting for its answer, as
   * PGlite in the main thread would: an idle database does not hold a process that is done.
   */
  #updateRef(): void {
    const isWanted = this.#pending.size > 0;
    if (isWanted === this.#isRef) return;
    this.#isRef = isWanted;
    if (isWanted) this.#worker.ref();
    else this.#worker.unref();
  }
}
