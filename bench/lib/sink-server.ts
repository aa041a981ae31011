/**
 * The receiving end of the dispatch benchmarks, run in a child process of its own (see
 * sinks.ts) so that its work does not share an event loop with the sender it measures:
 *
 * - an HTTP sink: answers 200 to every POST and counts them and their distinct
 *   Idempotency-Key headers (a repeat of a key is a duplicate send);
 * - an SMTP sink: a lean SMTP responder (the commands nodemailer's pool sends, nothing
 *   more: no parsing of the message beyond its Message-ID), counting messages and distinct
 *   Message-IDs. A full SMTP server library would be what the benchmark measures instead of
 *   Herald.
 *
 * It prints `{"http":<port>,"smtp":<port>}` on its IPC channel once listening, and answers
 * "counts" messages with the counts so far.
 */
import http from 'node:http';
import net from 'node:net';

const counts = { http: 0, httpKeys: new Set<string>(), smtp: 0, smtpIds: new Set<string>() };

const httpServer = http.createServer((request, response) => {
  const key = request.headers['idempotency-key'];
  request.on('data', () => {});
  request.on('end', () => {
    counts.http += 1;
    if (typeof key === 'string') counts.httpKeys.add(key);
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    response.end('{}');
  });
});
httpServer.keepAliveTimeout = 60_000;

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
