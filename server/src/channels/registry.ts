/**
 * The channel senders of this process. A new channel (SMS over a Twilio-compatible API, web
 * push, webhook) is one file exporting a ChannelSender and one line here.
 */
import type { HeraldContext } from '../context.ts';
import { createEmailSender } from './email.ts';
import { createInAppSender } from './inapp.ts';
import type { ChannelSenders } from './types.ts';

export type ChannelRegistry = {
  senders: ChannelSenders;
  /** Closes every sender's connections. */
  close: () => Promise<void>;
};

/** Creates a sender for every channel this build knows. */
export function createChannelRegistry(context: HeraldContext): ChannelRegistry {
  const senders: ChannelSenders = {
    email: createEmailSender(context.config, context.logger),
    inapp: createInAppSender(context.database),
  };
  return {
    senders,
    close: async () => {
      await Promise.all(Object.values(senders).map((sender) => sender.close()));
    },
  };
}
