/**
 * The thread that owns Herald's embedded PGlite (see pglite-thread.ts, which starts it and
 * speaks for it in the main thread). Plain JavaScript because a worker thread does not inherit
 * the TypeScript loader its parent runs under (tsx, Vitest): this file only relays messages to
 * PGlite's own API and back.
 *
 * Messages in: { id, op, … } with op one of query, exec, begin, end, rollback, listen, unlisten,
 * close. Messages out: { id, result } or { id, error } answering one of them, and
 * { op: 'notification', channel, payload } for a LISTEN. The first message out is
 * { op: 'ready' } or { op: 'failed', error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, types } from '@electric-sql/pglite';

/**
 * Timestamps, dates and intervals stay text, as Drizzle's PGlite driver asks of every query it
 * runs (drizzle-orm/pglite/session.js): its parsers are functions and cannot cross threads, so
 * this side applies the same ones.
 */
const keepText = (value) => value;
const parsers = {
  [types.TIMESTAMP]: keepText,
  [types.TIMESTAMPTZ]: keepText,
  [types.INTERVAL]: keepText,
  [types.DATE]: keepText,
  1231: keepText, // numeric[]
  1115: keepText, // timestamp[]
  1185: keepText, // timestamptz[]
  1187: keepText, // interval[]
  1182: keepText, // date[]
};

const port = parentPort;
/** open transactions by the id of the message that began them */
const transactions = new Map();
/** unsubscribe functions by channel */
const listeners = new Map();

/** What the main thread needs of an error: its message and the fields PostgreSQL gave it (code, detail, constraint…). */
function describe(error) {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

function answer(id, work) {
  work.then(
    (result) => port.postMessage({ id, result }),
    (error) => port.postMessage({ id, error: describe(error) }),
  );
}

/** The client a statement runs on: its transaction's, or the database itself. */
function clientOf(message) {
  if (message.tx === undefined) return pg;
  const transaction = transactions.get(message.tx);
  if (!transaction) throw new Error('the transaction has ended');
  return transaction.tx;
}

/**
 * Begins a transaction that stays open until its `end` message: PGlite's own transaction(),
 * so statements outside it wait for it as they would in one thread.
 */
function begin(id) {
  let finish;
  const ended = new Promise((resolve) => {
    finish = resolve;
  });
  const entry = { tx: undefined, finish, done: undefined };
  return new Promise((begun, failed) => {
    entry.done = pg.transaction(async (tx) => {
      entry.tx = tx;
      transactions.set(id, entry);
      begun(id);
      const isCommit = await ended;
      if (!isCommit && !tx.closed) await tx.rollback();
    }).finally(() => transactions.delete(id));
    // Fails `begin` when BEGIN itself failed; later failures are `end`'s to report.
    entry.done.catch(failed);
  });
}

/** Ends a transaction: COMMIT (or ROLLBACK), and answers once PGlite has. */
async function end(message) {
  const entry = transactions.get(message.tx);
  if (!entry) throw new Error('the transaction has ended');
  entry.finish(message.commit);
  await entry.done;
}

/** What crosses back of a result: its rows, columns and count, not PGlite's other fields. */
const resultOf = ({ rows, fields, affectedRows }) => ({ rows, fields, affectedRows });

async function handle(message) {
  switch (message.op) {
    case 'query':
      return resultOf(await clientOf(message).query(message.sql, message.params, { rowMode: message.rowMode, parsers }));
    case 'exec':
      return (await clientOf(message).exec(message.sql, { parsers })).map(resultOf);
    case 'begin':
      return begin(message.id);
    case 'end':
      return end(message);
    case 'rollback':
      return clientOf(message).rollback();
    case 'listen':
      // once per channel: the main thread keeps the handlers and asks again only after `unlisten`
      listeners.set(message.channel, await pg.listen(message.channel, (payload) => port.postMessage({ op: 'notification', channel: message.channel, payload })));
      return null;
    case 'unlisten': {
      const unsubscribe = listeners.get(message.channel);
      listeners.delete(message.channel);
      if (unsubscribe) await unsubscribe();
      return null;
    }
    case 'close':
      await pg.close();
      return null;
    default:
      throw new Error(`unknown operation ${String(message.op)}`);
  }
}

const pg = new PGlite(workerData.dataDir);
try {
  await pg.waitReady;
  port.on('message', (message) => answer(message.id, handle(message)));
  port.postMessage({ op: 'ready' });
} catch (error) {
  port.postMessage({ op: 'failed', error: describe(error) });
}
