/**
 * Pooled SMTP connections for the email sender: nodemailer's `SMTPConnection` (the protocol:
 * greeting, EHLO, STARTTLS, AUTH, the envelope, the message and its dot-stuffing) kept open
 * and shared by the worker's sends, each message handed over whole, as one buffer.
 *
 * Why not nodemailer's own pool (`createTransport({ pool: true })`): around the same
 * connections it runs every message through its mailer (plugins, a stream pipeline per
 * message) and streams the MIME tree into the socket part by part, about ten writes a
 * message, each a syscall on Herald's side and a wake-up on the server's. Given whole
 * messages, the worker's CPU an email went from 0.73–1.02 ms to 0.54–0.85 ms and the
 * receiving server's halved; 20,000 emails to a loopback server went out at 1,170–1,823/s
 * against 973–1,337/s (docs/benchmarks.md). What nodemailer's pool does besides is kept: at
 * most `maxConnections` connections, a new one after `maxMessages` messages, a connection the
 * server refused a message on reset and used again, any other failure closing it.
 */
import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

export type SmtpEnvelope = { from: string | false; to: string[] };

export type SmtpPoolOptions = {
  /** smtp:// or smtps://, with credentials and nodemailer's query options (`?tls.rejectUnauthorized=false`) */
  url: string;
  maxConnections: number;
  /** messages over one connection before a fresh one is opened (nodemailer's default: 100) */
  maxMessages?: number;
  /** timeouts of each connection (ms): to connect, for the greeting, of inactivity */
  timeouts: Required<Pick<SMTPConnectionOptions, 'connectionTimeout' | 'greetingTimeout' | 'socketTimeout'>>;
  /** an idle connection failed, say timed out (the pool drops it and opens another when one is needed); one the server closed is dropped silently */
  onIdleError?: (error: Error) => void;
};

export type SmtpPool = {
  /** Sends one composed message; rejects with nodemailer's error (`code`, `responseCode`, `response`). */
  send: (envelope: SmtpEnvelope, message: Buffer) => Promise<void>;
  /** Closes the idle connections, and each busy one once its send ends; later sends fail. */
  close: () => void;
};

type Pooled = {
  connection: SMTPConnection;
  messages: number;
  /** false once the connection failed or the server closed it */
  isUsable: boolean;
  isIdle: boolean;
  isRetired: boolean;
};

/** A waiting send: given a connection, or undefined when a slot freed up and it may open one. */
type Waiter = (pooled: Pooled | undefined) => void;

/** Errors after which nodemailer's pool resets the connection and keeps it: the server refused one message. */
const messageRefusals = new Set(['EENVELOPE', 'EMESSAGE']);

function closedError(): Error {
  return Object.assign(new Error('the SMTP pool is closed'), { code: 'ECONNECTION' });
}

export function createSmtpPool(options: SmtpPoolOptions): SmtpPool {
  const { auth, ...connectionOptions } = parseConnectionUrl(options.url) as SMTPConnectionOptions & { auth?: { user: string; pass: string } };
  const maxMessages = options.maxMessages ?? 100;
  const idle: Pooled[] = [];
  const waiting: Waiter[] = [];
  /** connections open or being opened */
  let open = 0;
  let isClosed = false;

  function connect(): Promise<Pooled> {
    return new Promise((resolve, reject) => {
      const connection = new SMTPConnection({ ...connectionOptions, ...options.timeouts, logger: false, debug: false });
      const pooled: Pooled = { connection, messages: 0, isUsable: true, isIdle: false, isRetired: false };
      let isReady = false;
      /** `error` is undefined when the connection just ended: a relay closing an idle one is no failure */
      const fail = (error?: Error) => {
        pooled.isUsable = false;
        if (!isReady) {
          // first: closing the connection reports its end, which must not be what the send hears
          reject(error ?? Object.assign(new Error('the SMTP server closed the connection'), { code: 'ECONNECTION' }));
          retire(pooled);
        } else if (pooled.isIdle) {
          if (error) options.onIdleError?.(error);
          retire(pooled);
        }
        // a busy connection's error also reaches its send, which retires it
      };
      connection.on('error', fail);
      connection.on('end', () => fail());
      connection.connect((error) => {
        // a server that hangs up before its greeting is reported here, not as an 'error'
        if (error) {
          fail(error);
          return;
        }
        if (!auth) {
          isReady = true;
          resolve(pooled);
          return;
        }
        connection.login(auth, (error) => {
          if (error) {
            fail(error);
            return;
          }
          isReady = true;
          resolve(pooled);
        });
      });
    });
  }

  /** The connection is done with: closed, its slot given to a waiting send. Once only. */
  function retire(pooled: Pooled): void {
    if (pooled.isRetired) return;
    pooled.isRetired = true;
    pooled.isUsable = false;
    if (pooled.isIdle) idle.splice(idle.indexOf(pooled), 1);
    pooled.isIdle = false;
    pooled.connection.close();
    open -= 1;
    waiting.shift()?.(undefined);
  }

  function release(pooled: Pooled): void {
    if (!pooled.isUsable || isClosed || pooled.messages >= maxMessages) {
      retire(pooled);
      return;
    }
    const next = waiting.shift();
    if (next) {
      next(pooled);
      return;
    }
    pooled.isIdle = true;
    idle.push(pooled);
  }

  async function acquire(): Promise<Pooled> {
    if (isClosed) throw closedError();
    let pooled = idle.pop();
    if (pooled) {
      pooled.isIdle = false;
      return pooled;
    }
    if (open >= options.maxConnections) {
      pooled = await new Promise<Pooled | undefined>((resolve) => waiting.push(resolve));
      if (pooled) return pooled;
      if (isClosed) throw closedError();
    }
    open += 1;
    return connect();
  }

  function sendOn(pooled: Pooled, envelope: SmtpEnvelope, message: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      pooled.connection.send(envelope, message, (error) => {
        pooled.messages += 1;
        if (error) reject(error);
        else resolve();
      });
    });
  }

  async function send(envelope: SmtpEnvelope, message: Buffer): Promise<void> {
    const pooled = await acquire();
    try {
      await sendOn(pooled, envelope, message);
    } catch (error) {
      const { code, responseCode } = error as { code?: string; responseCode?: number };
      if (pooled.isUsable && code !== undefined && messageRefusals.has(code) && responseCode !== 421) {
        // the server refused this message, not the connection: a fresh transaction on it
        pooled.connection.reset((resetError) => (resetError ? retire(pooled) : release(pooled)));
      } else {
        retire(pooled);
      }
      throw error;
    }
    release(pooled);
  }

  return {
    send,
    close: () => {
      isClosed = true;
      for (const pooled of [...idle]) retire(pooled);
      for (const waiter of waiting.splice(0)) waiter(undefined);
    },
  };
}
