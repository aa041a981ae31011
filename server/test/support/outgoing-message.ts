/** Messages as the worker hands them to a channel sender, for tests that drive a sender directly. */
import crypto from 'node:crypto';
import type { Channel } from '@herald/shared';
import { stableMessageId, type ChannelContent, type MessageRecipient, type OutgoingMessage } from '../../src/channels/types.ts';

let nextDeliveryId = 1_000_000;

/** A message for `channel` with this content; delivery, run and recipient are made up unless given. */
export function outgoingMessage<C extends Channel>(channel: C, content: ChannelContent<C>, recipient: Partial<MessageRecipient> = {}): OutgoingMessage<C> {
  nextDeliveryId += 1;
  const runId = crypto.randomUUID();
  return {
    channel,
    deliveryId: nextDeliveryId,
    runId,
    scheduleId: crypto.randomUUID(),
    messageId: stableMessageId(nextDeliveryId, runId),
    attempt: 1,
    recipient: {
      id: crypto.randomUUID(),
      externalId: `user-${nextDeliveryId}`,
      email: null,
      phone: '+14155550100',
      name: 'Ada',
      locale: null,
      timezone: null,
      attributes: {},
      ...recipient,
    },
    content,
  };
}
