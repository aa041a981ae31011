/**
 * A real HTTP server on loopback for the channels that speak HTTP (an SMS provider, a
 * webhook receiver, a push service): it records every request with its raw body, and answers
 * with whatever the test's responder says (by default 200 with an empty JSON object).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedRequest = {
  method: string;
  /** path and query */
  url: string;
  /** by lower-case name */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
};

export type Reply = { status: number; headers?: Record<string, string>; body?: string };
/** Decides the answer; returning 'hang' never answers (for timeouts). */
export type Responder = (request: ReceivedRequest) => Reply | 'hang' | Promise<Reply | 'hang'>;

export type HttpReceiver = {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: ReceivedRequest[];
  respond: (responder: Responder) => void;
  close: () => Promise<void>;
};

const defaultResponder: Responder = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' });

/** Starts a receiver on a free loopback port. */
export async function startHttpReceiver(responder: Responder = defaultResponder): Promise<HttpReceiver> {
  let current = responder;
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      requests.push(received);
      void Promise.resolve(current(received)).then((reply) => {
        if (reply === 'hang') {
          hanging.add(response);
          return;
        }
        response.writeHead(reply.status, reply.headers ?? {});
        response.end(reply.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (next) => {
      current = next;
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
