/**
 * The in-app inbox: a message is a row in `inbox_messages`, announced with
 * pg_notify('herald_inbox', '<recipient>:<message>') so every API process can push it to the
 * recipient's open SSE streams (modules/inbox/hub.ts).
 *
 * Sends that arrive in the same tick are written by ONE statement: the insert and the
 * notifications sit in one data-modifying CTE, which PostgreSQL runs as one transaction, so a
 * notification is never heard for a row that was not committed. ON CONFLICT (delivery_id)
 * DO NOTHING makes a repeated send of a delivery (after a crash) a no-op instead of a duplicate.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { inboxChannel } from '../modules/inbox/hub.ts';
import { transientFailure, type ChannelSender, type OutgoingMessage, type SendResult } from './types.ts';

type Pending = { message: OutgoingMessage<'inapp'>; resolve: (result: SendResult) => void };

/** Rows per statement: keeps the JSON parameter and the statement's work bounded. */
const maxRowsPerStatement = 1000;

async function insertMessages(database: Database, messages: OutgoingMessage<'inapp'>[]): Promise<Map<number, string>> {
  const rows = messages.map((m) => ({
    delivery_id: m.deliveryId,
    recipient_id: m.recipient.id,
    title: m.content.title,
    body: m.content.body,
    url: m.content.url ?? null,
  }));
  const inserted = await database.query<{ id: string; delivery_id: string | number }>(sql`
    WITH incoming AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS m(delivery_id bigint, recipient_id uuid, title text, body text, url text)
    ), inserted AS (
      INSERT INTO inbox_messages (recipient_id, delivery_id, title, body, url)
      SELECT recipient_id, delivery_id, title, body, url FROM incoming
      ON CONFLICT (delivery_id) DO NOTHING
      RETURNING id, recipient_id, delivery_id
    )
    SELECT id, delivery_id, pg_notify(${inboxChannel}, recipient_id::text || ':' || id::text) AS notified
    FROM inserted`);
  return new Map(inserted.map((row) => [Number(row.delivery_id), row.id]));
}

/** Creates the in-app sender, which batches the sends of one tick into one statement. */
export function createInAppSender(database: Database): ChannelSender<'inapp'> {
  let pending: Pending[] = [];
  let isFlushScheduled = false;

  async function write(batch: Pending[]): Promise<void> {
    try {
      const ids = await insertMessages(database, batch.map((p) => p.message));
      // A delivery missing from the answer was already in the inbox: an earlier attempt put
      // it there, so this one succeeds without a second copy.
      for (const p of batch) {
        const id = ids.get(p.message.deliveryId);
        p.resolve(id ? { ok: true, providerMessageId: id } : { ok: true });
      }
    } catch (error) {
      // One bad row must not fail its neighbours: retry them one by one.
      if (batch.length > 1) {
        await Promise.all(batch.map((p) => write([p])));
        return;
      }
      batch[0]?.resolve(transientFailure(`could not store the inbox message: ${(error as Error).message}`));
    }
  }

  async function flush(): Promise<void> {
    isFlushScheduled = false;
    const batch = pending;
    pending = [];
    const chunks: Pending[][] = [];
    for (let i = 0; i < batch.length; i += maxRowsPerStatement) chunks.push(batch.slice(i, i + maxRowsPerStatement));
    await Promise.all(chunks.map(write));
  }

  return {
    channel: 'inapp',
    send: (message) => new Promise<SendResult>((resolve) => {
      pending.push({ message, resolve });
      if (!isFlushScheduled) {
        isFlushScheduled = true;
        // setImmediate lets every send started in this turn of the event loop join the batch.
        setImmediate(() => void flush());
      }
    }),
    close: async () => {},
  };
}
