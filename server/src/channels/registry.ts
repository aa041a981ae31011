/**
 * The channel senders of this process. A new channel (SMS over a Twilio-compatible API, web
 * push, webhook) is one file exporting a ChannelSender and one line here.
 */
import type { HeraldContext } from '../context.ts';
import { createEmailSender } from './email.ts';
import { createInAppSender } from './inapp.ts';
import { createPushSender } from './push.ts';
import { createSmsSender } from './sms.ts';
import type { ChannelSenders } from './types.ts';
import { createWebhookSender } from './webhook.ts';

export type ChannelRegistry = {
  senders: ChannelSenders;
  /** Closes every sender's connections. */
  close: () => Promise<void>;
};

/** Creates a sender for every channel this build knows. */
export function createChannelRegistry(context: HeraldContext): ChannelRegistry {
  const senders: ChannelSenders = {
    email: createEmailSender(context.config, context.logger, context.secrets.signingKey),
    inapp: createInAppSender(context.database),
    webhook: createWebhookSender(context.database, context.config),
    push: createPushSender(context.database, context.config, context.logger),
  };
  // SMS only with an account: without one, SMS deliveries fail with "cannot send sms".
  const sms = createSmsSender(context.config);
  if (sms) senders.sms = sms;
  return {
    senders,
    close: async () => {
      await Promise.all(Object.values(senders).map((sender) => sender.close()));
    },
  };
}
