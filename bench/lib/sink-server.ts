/**
 * The receiving end of the dispatch benchmarks, run in a child process of its own (see
 * sinks.ts) so that its work does not share an event loop with the sender it measures:
 *
 * - an HTTP sink: a lean HTTP/1.1 server (the requests Herald's client sends: POSTs with a
 *   Content-Length, on keep-alive connections) that checks each request's head, reads its
 *   body to its length, answers 200, and counts them and their distinct Idempotency-Key
 *   headers (a repeat of a key is a duplicate send). node:http's request and response
 *   objects cost more CPU than the sender's whole send; a fast receiver does without them;
 * - an SMTP sink: a lean SMTP responder (the commands nodemailer's SMTP client sends, nothing
 *   more: no parsing of the message beyond its Message-ID), counting messages and distinct
 *   Message-IDs. A full SMTP server library would be what the benchmark measures instead of
 *   Herald.
 *
 * It prints `{"http":<port>,"smtp":<port>}` on its IPC channel once listening, and answers
 * "counts" messages with the counts so far.
 */
import net from 'node:net';

const counts = { http: 0, httpKeys: new Set<string>(), smtp: 0, smtpIds: new Set<string>() };

/** What one request's head says, or why it is refused. */
type RequestHead = { contentLength: number; key: string | undefined; isClosing: boolean } | { error: string };

/**
 * Reads a request head (request line and headers, without the blank line): a POST in
 * HTTP/1.1 whose body is framed by Content-Length, as Herald's HTTP client sends it.
 */
function parseHead(head: string): RequestHead {
  const lines = head.split('\r\n');
  const [method, target, version] = lines[0]!.split(' ');
  if (method !== 'POST' || !target?.startsWith('/') || version !== 'HTTP/1.1') return { error: `not a POST in HTTP/1.1: ${lines[0]}` };
  let contentLength = Number.NaN;
  let key: string | undefined;
  let isClosing = false;
  for (let index = 1; index < lines.length; index += 1) {
    const line = lines[index]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `a malformed header line: ${line}` };
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') contentLength = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    else if (name === 'idempotency-key') key = value;
    else if (name === 'connection') isClosing = value.toLowerCase() === 'close';
    else if (name === 'transfer-encoding') return { error: 'a chunked body (Herald sends its length)' };
  }
  if (!Number.isSafeInteger(contentLength)) return { error: 'no valid Content-Length' };
  return { contentLength, key, isClosing };
}

const okAnswer = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}';

/**
 * One HTTP/1.1 connection, lean as a fast receiver's (no request and response objects per
 * message, as node:http makes): each request's head is parsed and checked, its body read to
 * its Content-Length, and it is answered 200 in order (pipelined requests too); the answers
 * to what one read brought go out in one write. A request that is not a well-formed POST
 * is answered 400 and the connection closed; it is not counted, so the benchmark's check of
 * the sink's count against the deliveries sent fails.
 */
function httpSession(socket: net.Socket): void {
  socket.setNoDelay(true);
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    // latin1: one character per byte, so Content-Length counts characters of this string.
    buffer += chunk.toString('latin1');
    let answers = '';
    for (;;) {
      const headEnd = buffer.indexOf('\r\n\r\n');
      if (headEnd === -1) break;
      const head = parseHead(buffer.slice(0, headEnd));
      if ('error' in head) {
        socket.end(`${answers}HTTP/1.1 400 Bad Request\r\ncontent-length: ${Buffer.byteLength(head.error)}\r\nconnection: close\r\n\r\n${head.error}`);
        return;
      }
      const bodyEnd = headEnd + 4 + head.contentLength;
      if (buffer.length < bodyEnd) break;
      buffer = buffer.slice(bodyEnd);
      counts.http += 1;
      if (head.key !== undefined) counts.httpKeys.add(head.key);
      answers += okAnswer;
      if (head.isClosing) {
        socket.end(answers);
        return;
      }
    }
    if (answers) socket.write(answers);
  });
  socket.on('error', () => {});
}

const httpServer = net.createServer(httpSession);

const messageIdPattern = /^message-id:\s*<?([^>\r\n]+)>?/im;

/** One SMTP session: line commands until DATA, then the message up to <CRLF>.<CRLF>. */
function smtpSession(socket: net.Socket): void {
  socket.setNoDelay(true);
  let buffer = '';
  let isInData = false;
  socket.write('220 bench-sink ESMTP\r\n');
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let replies = '';
    for (;;) {
      if (isInData) {
        const end = buffer.indexOf('\r\n.\r\n');
        if (end === -1) break;
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 5);
        isInData = false;
        counts.smtp += 1;
        const id = messageIdPattern.exec(message)?.[1];
        if (id) counts.smtpIds.add(id);
        replies += '250 2.0.0 queued\r\n';
        continue;
      }
      const lineEnd = buffer.indexOf('\r\n');
      if (lineEnd === -1) break;
      const line = buffer.slice(0, lineEnd);
      buffer = buffer.slice(lineEnd + 2);
      const command = line.slice(0, 4).toUpperCase();
      if (command === 'EHLO') replies += '250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n';
      else if (command === 'HELO') replies += '250 bench-sink\r\n';
      else if (command === 'DATA') {
        replies += '354 go ahead\r\n';
        isInData = true;
      } else if (command === 'QUIT') {
        socket.end('221 bye\r\n');
        return;
      } else replies += '250 ok\r\n';
    }
    if (replies) socket.write(replies);
  });
  socket.on('error', () => {});
}

const smtpServer = net.createServer(smtpSession);

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

const [httpPort, smtpPort] = await Promise.all([listen(httpServer), listen(smtpServer)]);
process.send?.({ http: httpPort, smtp: smtpPort });
process.on('message', (message) => {
  if (message === 'counts') {
    process.send?.({ http: counts.http, httpKeys: counts.httpKeys.size, smtp: counts.smtp, smtpIds: counts.smtpIds.size });
  } else if (message === 'reset') {
    counts.http = 0;
    counts.smtp = 0;
    counts.httpKeys.clear();
    counts.smtpIds.clear();
    process.send?.({ reset: true });
  }
});
// The parent's end is this process's end.
process.on('disconnect', () => process.exit(0));
