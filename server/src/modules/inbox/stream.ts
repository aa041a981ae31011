/**
 * The inbox as Server-Sent Events: `event: message` with the message as JSON each time one
 * arrives for the recipient (announced over LISTEN/NOTIFY, see hub.ts), and a comment line
 * every 25 s so proxies and browsers keep an idle stream open.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { inboxMessageSchema } from '@herald/shared';
import type { Db } from '../../db/client.ts';
import type { InboxHub } from './hub.ts';
import { getInboxMessage, presentInboxMessage } from './service.ts';

export const keepaliveIntervalMs = 25_000;

/** The streams open in this process, so that shutting down can end them. */
export type OpenStreams = Set<() => void>;

/** Streams the recipient's new inbox messages until the client goes away or the app closes. */
export async function streamInbox(db: Db, hub: InboxHub, streams: OpenStreams, request: FastifyRequest, reply: FastifyReply, recipientId: string): Promise<void> {
  const raw = reply.raw;
  let isOpen = true;
  const write = (text: string) => {
    if (isOpen && !raw.writableEnded) raw.write(text);
  };
  const push = async (messageId: string) => {
    const row = await getInboxMessage(db, recipientId, messageId);
    if (!row) return;
    // Through the contract's schema, like every other response: only its fields leave.
    const message = inboxMessageSchema.parse(presentInboxMessage(row));
    write(`id: ${message.id}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`);
  };

  // Subscribe before answering: a message stored right after the headers is not missed.
  const unsubscribe = await hub.subscribe(recipientId, (messageId) => {
    push(messageId).catch((error: unknown) => request.log.warn({ err: error }, 'could not push an inbox message'));
  });

  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx buffers responses unless told otherwise, which would hold events back
    'x-accel-buffering': 'no',
  });
  write('retry: 5000\n: connected\n\n');

  const keepalive = setInterval(() => write(': keepalive\n\n'), keepaliveIntervalMs);
  keepalive.unref();
  const close = () => {
    if (!isOpen) return;
    isOpen = false;
    clearInterval(keepalive);
    unsubscribe();
    streams.delete(close);
    if (!raw.writableEnded) raw.end();
  };
  streams.add(close);
  // The response's 'close' fires when the client goes away (the request's may fire as soon as its empty body is read).
  raw.on('close', close);
  raw.on('error', close);
}
