/**
 * The email sender's pool of SMTP connections (src/channels/smtp-pool.ts) against a real SMTP
 * server on loopback (`smtp-server`): how many connections it opens and keeps, what it does
 * when the server refuses a message, drops a connection, goes away or asks for a password.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpPool, type SmtpPool, type SmtpPoolOptions } from '../../src/channels/smtp-pool.ts';
import { classifySmtpError } from '../../src/channels/smtp-failure.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

let sink: SmtpSink;
let pools: SmtpPool[] = [];

beforeAll(async () => { sink = await startSmtpSink(); });
afterAll(() => sink.close());
afterEach(() => {
  for (const pool of pools) pool.close();
  pools = [];
  sink.clear();
  sink.setDelay(0);
});

const timeouts = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 };

function pool(options: Partial<SmtpPoolOptions> = {}): SmtpPool {
  const created = createSmtpPool({ url: sink.url, maxConnections: 2, timeouts, ...options });
  pools.push(created);
  return created;
}

let sequence = 0;
/** A whole message, as the email sender composes it, with a Message-ID of its own. */
function message(): { envelope: { from: string; to: string[] }; raw: Buffer; id: string } {
  sequence += 1;
  const id = `pool-${sequence}@herald.test`;
  const raw = Buffer.from(`From: news@herald.test\r\nTo: ada@example.com\r\nMessage-ID: <${id}>\r\nSubject: Hello ${sequence}\r\n\r\n.a line that starts with a dot\r\nbye\r\n`);
  return { envelope: { from: 'news@herald.test', to: ['ada@example.com'] }, raw, id };
}

const send = (target: SmtpPool) => {
  const { envelope, raw, id } = message();
  return target.send(envelope, raw).then(() => id);
};

const failureOf = (promise: Promise<unknown>) => promise.then(() => { throw new Error('the send succeeded'); }, (error: unknown) => error as { code?: string; responseCode?: number });

describe('the SMTP pool', () => {
  it('sends many messages at once over no more than its connections, and keeps them open', async () => {
    const before = sink.connectionCount();
    const target = pool({ maxConnections: 2 });
    const ids = await Promise.all(Array.from({ length: 12 }, () => send(target)));
    await Promise.all(Array.from({ length: 4 }, () => send(target)));
    expect(sink.messages.map((received) => received.messageId).slice(0, 12).sort()).toEqual([...ids].sort());
    expect(sink.messages).toHaveLength(16);
    expect(sink.connectionCount() - before).toBe(2);
    // sent whole, and dot-stuffed on the wire: the server reads the line back as written
    expect(sink.messages[0]!.raw).toContain('\r\n.a line that starts with a dot\r\n');
  });

  it('opens a fresh connection after its messages per connection', async () => {
    const before = sink.connectionCount();
    const target = pool({ maxConnections: 1, maxMessages: 3 });
    for (let index = 0; index < 7; index += 1) await send(target);
    expect(sink.messages).toHaveLength(7);
    expect(sink.connectionCount() - before).toBe(3);
  });

  it('keeps using a connection the server refused a message on, and tells a 4xx from a 5xx', async () => {
    const before = sink.connectionCount();
    const target = pool({ maxConnections: 1 });
    sink.failNext(1, 550);
    const refused = await failureOf(send(target));
    expect(refused.responseCode).toBe(550);
    expect(classifySmtpError(refused).isTransient).toBe(false);
    sink.failNext(1, 451);
    expect(classifySmtpError(await failureOf(send(target))).isTransient).toBe(true);
    await send(target);
    expect(sink.messages).toHaveLength(1);
    expect(sink.connectionCount() - before).toBe(1);
  });

  it('drops a connection the server closed while it was idle, without calling it an error, and sends on a new one', async () => {
    const idleErrors: Error[] = [];
    const before = sink.connectionCount();
    const target = pool({ maxConnections: 1, onIdleError: (error) => idleErrors.push(error) });
    await send(target);
    sink.dropConnections();
    while (sink.openConnections() > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await send(target);
    expect(sink.messages).toHaveLength(2);
    expect(sink.connectionCount() - before).toBe(2);
    // relays close idle connections all the time: nothing to warn about
    expect(idleErrors).toEqual([]);
  });

  it('reports an idle connection that failed, and sends on a new one', async () => {
    const idleErrors: Error[] = [];
    const before = sink.connectionCount();
    const target = pool({ maxConnections: 1, timeouts: { ...timeouts, socketTimeout: 2_000 }, onIdleError: (error) => idleErrors.push(error) });
    await send(target);
    // silent for longer than its socket timeout
    await new Promise((resolve) => setTimeout(resolve, 2_600));
    expect(idleErrors).toEqual([expect.objectContaining({ code: 'ETIMEDOUT' })]);
    await send(target);
    expect(sink.messages).toHaveLength(2);
    expect(sink.connectionCount() - before).toBe(2);
  });

  it('fails each send with a transient connection error while the server is down, and sends once it is back', async () => {
    const target = pool({ maxConnections: 2 });
    await send(target);
    await sink.stop();
    try {
      const failures = await Promise.all(Array.from({ length: 3 }, () => failureOf(send(target))));
      for (const failure of failures) expect(classifySmtpError(failure).isTransient).toBe(true);
    } finally {
      await sink.start();
    }
    await send(target);
    expect(sink.messages).toHaveLength(2);
  });

  it('fails later sends, and those waiting for a connection, once closed; a send under way ends', async () => {
    const target = pool({ maxConnections: 1 });
    sink.setDelay(200);
    const underWay = send(target);
    // the one connection is busy: this send waits for it
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = failureOf(send(target));
    target.close();
    expect((await waiting).code).toBe('ECONNECTION');
    await underWay;
    expect((await failureOf(send(target))).code).toBe('ECONNECTION');
    expect(sink.messages).toHaveLength(1);
  });
});

describe('the SMTP pool with a server that wants a password', () => {
  let guarded: SmtpSink;
  beforeAll(async () => { guarded = await startSmtpSink({ username: 'herald', password: 'pa:ss word' }); });
  afterAll(() => guarded.close());

  it('logs in with the URL\'s credentials, and fails for good with a wrong password', async () => {
    const target = pool({ url: guarded.url });
    await send(target);
    expect(guarded.messages[0]!.user).toBe('herald');

    const wrong = pool({ url: guarded.url.replace(encodeURIComponent('pa:ss word'), 'nope') });
    const failure = await failureOf(send(wrong));
    expect(failure.code).toBe('EAUTH');
    expect(classifySmtpError(failure).isTransient).toBe(false);
  });
});
