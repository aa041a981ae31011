import type { Database } from '../../db/client.ts';

/** PostgreSQL notification channel on which new inbox messages are announced. */
export const inboxChannel = 'herald_inbox';

type Subscriber = (messageId: string) => void;

/**
 * Fans inbox notifications out to the SSE streams open in this process. Workers announce a
 * message with pg_notify in the transaction that stores it, so any API process, on any
 * machine, hears about it once it is committed.
 */
export class InboxHub {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private unlisten: (() => Promise<void>) | undefined;
  private listening: Promise<void> | undefined;

  constructor(private readonly database: Database) {}

  /** Calls `onMessage` for each new message of this recipient until the returned function is called. */
  async subscribe(recipientId: string, onMessage: Subscriber): Promise<() => void> {
    this.listening ??= this.database.listen(inboxChannel, (payload) => this.dispatch(payload)).then((stop) => {
      this.unlisten = stop;
    });
    await this.listening;
    let set = this.subscribers.get(recipientId);
    if (!set) {
      set = new Set();
      this.subscribers.set(recipientId, set);
    }
    set.add(onMessage);
    return () => {
      set.delete(onMessage);
      if (set.size === 0) this.subscribers.delete(recipientId);
    };
  }

  get connectionCount(): number {
    let count = 0;
    for (const set of this.subscribers.values()) count += set.size;
    return count;
  }

  private dispatch(payload: string): void {
    const [recipientId, messageId] = payload.split(':');
    if (!recipientId || !messageId) return;
    for (const subscriber of this.subscribers.get(recipientId) ?? []) subscriber(messageId);
  }

  async close(): Promise<void> {
    this.subscribers.clear();
    await this.unlisten?.();
  }
}
