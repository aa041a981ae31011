/**
 * A real SMTP server on loopback for tests (the `smtp-server` package): it records every
 * message it accepts, can be told to refuse the next messages with a reply code (451 to
 * test retries, 550 to test permanent failures), and can be stopped and started again on
 * the same port (to test a relay that goes away).
 */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export type SinkMessage = {
  /** the Message-ID header without angle brackets, or null if the message had none */
  messageId: string | null;
  /** envelope sender (MAIL FROM) */
  from: string;
  /** envelope recipients (RCPT TO) */
  to: string[];
  /** headers by lower-case name (the first occurrence; folded lines unfolded) */
  headers: Record<string, string>;
  subject: string | null;
  /** the message as received */
  raw: string;
  /**
   * The raw message with quoted-printable undone (soft line breaks and =XX), so a test can
   * look for rendered text without a MIME parser. Base64 parts stay encoded.
   */
  text: string;
  /** the user name the client authenticated as, if it did */
  user: string | null;
  receivedAt: Date;
};

export type RefusedMessage = { code: number; from: string; to: string[]; messageId: string | null };

export type SmtpSinkOptions = {
  /** require AUTH PLAIN/LOGIN with these credentials (otherwise AUTH is optional) */
  username?: string;
  password?: string;
};

export type SmtpSink = {
  port: number;
  /** smtp://[user:pass@]127.0.0.1:<port> */
  url: string;
  /** messages accepted, in arrival order */
  messages: SinkMessage[];
  /** messages refused by `failNext` */
  refused: RefusedMessage[];
  /** Answers the next `count` messages (after DATA) with `code` instead of accepting them. */
  failNext: (count: number, code: number, text?: string) => void;
  /** Resolves when at least `count` messages were accepted; rejects after `timeoutMs`. */
  waitForMessages: (count: number, timeoutMs?: number) => Promise<SinkMessage[]>;
  /** Holds each message this long before answering (a slow relay); 0 answers at once. */
  setDelay: (ms: number) => void;
  /** Forgets the recorded and refused messages. */
  clear: () => void;
  /** Connections accepted since the sink started. */
  connectionCount: () => number;
  /** Connections open now. */
  openConnections: () => number;
  /** Answers every open connection 421 and closes it, as a server does with idle clients. */
  dropConnections: () => void;
  /** Stops listening and drops open connections; the port is kept for `start()`. */
  stop: () => Promise<void>;
  /** Listens again on the same port. */
  start: () => Promise<void>;
  /** Stops for good. */
  close: () => Promise<void>;
};

function parseHeaders(raw: string): Record<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const head = (end === -1 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= line.slice(colon + 1).trim();
  }
  return headers;
}

function undoQuotedPrintable(raw: string): string {
  const bytes = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function stripBrackets(value: string | undefined): string | null {
  return value ? value.replace(/^<|>$/g, '') : null;
}

/** Starts a sink on 127.0.0.1 on a free port. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const refused: RefusedMessage[] = [];
  const failures: Array<{ code: number; text: string }> = [];
  const waiters = new Set<() => void>();
  let delayMs = 0;
  let connectionCount = 0;
  const hasAuth = options.username !== undefined;

  const serverOptions: SMTPServerOptions = {
    secure: false,
    disabledCommands: hasAuth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !hasAuth,
    allowInsecureAuth: true,
    logger: false,
    // stop() should not wait the default 30 s for pooled client connections to go away
    closeTimeout: 50,
    onConnect(_session, callback) {
      connectionCount += 1;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.username === options.username && auth.password === options.password) return callback(null, { user: auth.username });
      const error = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const answer = async () => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = parseHeaders(raw);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((address) => address.address);
        const failure = failures.shift();
        if (failure) {
          refused.push({ code: failure.code, from, to, messageId: stripBrackets(headers['message-id']) });
          return callback(Object.assign(new Error(failure.text), { responseCode: failure.code }));
        }
        messages.push({
          messageId: stripBrackets(headers['message-id']),
          from,
          to,
          headers,
          subject: headers.subject ?? null,
          raw,
          text: undoQuotedPrintable(raw),
          user: typeof session.user === 'string' ? session.user : null,
          receivedAt: new Date(),
        });
        for (const waiter of waiters) waiter();
        return callback();
      };
      stream.on('end', () => void answer());
    },
  };

  let server: SMTPServer | undefined;
  let port = 0;

  async function start(): Promise<void> {
    const instance = new SMTPServer(serverOptions);
    instance.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      instance.server.once('error', reject);
      instance.listen(port, '127.0.0.1', () => {
        instance.server.off('error', reject);
        resolve();
      });
    });
    const address = instance.server.address();
    if (address && typeof address === 'object') port = address.port;
    server = instance;
  }

  async function stop(): Promise<void> {
    const instance = server;
    server = undefined;
    if (instance) await new Promise<void>((resolve) => instance.close(() => resolve()));
  }

  await start();
  const credentials = hasAuth ? `${encodeURIComponent(options.username ?? '')}:${encodeURIComponent(options.password ?? '')}@` : '';

  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    refused,
    failNext: (count, code, text = code >= 500 ? '5.1.1 Mailbox unavailable' : '4.7.1 Try again later') => {
      for (let i = 0; i < count; i += 1) failures.push({ code, text });
    },
    waitForMessages: (count, timeoutMs = 10_000) => new Promise<SinkMessage[]>((resolve, reject) => {
      const check = () => {
        if (messages.length < count) return;
        cleanup();
        resolve(messages);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the SMTP sink received ${messages.length} of ${count} messages in ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    }),
    setDelay: (ms) => {
      delayMs = ms;
    },
    clear: () => {
      messages.length = 0;
      refused.length = 0;
      failures.length = 0;
    },
    connectionCount: () => connectionCount,
    openConnections: () => server?.connections.size ?? 0,
    dropConnections: () => {
      for (const connection of server?.connections ?? []) {
        connection.send(421, 'Idle timeout, closing');
        connection.close();
      }
    },
    stop,
    start,
    close: stop,
  };
}
