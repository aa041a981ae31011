/**
 * Turning a claimed delivery into the message one channel sends: the render context
 * (recipient, schedule, run, unsubscribe link) and the rendered content.
 */
import { templateContentSchema, type Channel, type TemplateContent } from '@herald/shared';
import { renderChannel, type RenderContext } from '../../rendering/liquid.ts';
import { sign } from '../../lib/secrets.ts';
import type { ChannelContent, MessageRecipient } from '../../channels/types.ts';

export type RecipientRow = MessageRecipient & { attributes: Record<string, unknown> };
export type RunInfo = { runId: string; occurrenceAt: Date; scheduleId: string; scheduleName: string; content: TemplateContent | null };

/**
 * The unsubscribe link of a delivery: `<public url>/u/<delivery>.<signature>`. Signed, so a
 * guessed number cannot unsubscribe someone else; tied to the delivery, so an unsubscribe
 * can be traced to the run that caused it.
 */
export function unsubscribeUrl(publicUrl: string, signingKey: Buffer, deliveryId: number): string {
  return `${publicUrl}/u/${deliveryId}.${sign(signingKey, `unsubscribe:${deliveryId}`)}`;
}

/**
 * True when this channel's content of the template may show the unsubscribe link, so that it
 * is signed only then (an HMAC per delivery, wasted on most channels otherwise). Any text
 * that names it counts, and so does any `[`: Liquid can look a variable up by a computed
 * name (`{{ [name] }}`), which the text alone does not reveal. Remembered per content object
 * (one per run in a batch).
 */
export function readsUnsubscribeUrl(content: TemplateContent | null, channel: Channel): boolean {
  if (!content) return false;
  let byChannel = unsubscribeReaders.get(content);
  if (!byChannel) {
    byChannel = new Map();
    unsubscribeReaders.set(content, byChannel);
  }
  let reads = byChannel.get(channel);
  if (reads === undefined) {
    reads = Object.values(content[channel] ?? {}).some((text) => typeof text === 'string' && (text.includes('unsubscribeUrl') || text.includes('[')));
    byChannel.set(channel, reads);
  }
  return reads;
}

const unsubscribeReaders = new WeakMap<TemplateContent, Map<Channel, boolean>>();

/** Each run's occurrence as text, made once per run rather than once per delivery. */
const occurrences = new WeakMap<RunInfo, string>();

/** The variables a template sees for this delivery. */
export function renderContextOf(recipient: RecipientRow, run: RunInfo, unsubscribe: string): RenderContext {
  let occurrenceAt = occurrences.get(run);
  if (occurrenceAt === undefined) {
    occurrenceAt = run.occurrenceAt.toISOString();
    occurrences.set(run, occurrenceAt);
  }
  return {
    recipient: {
      id: recipient.id,
      externalId: recipient.externalId,
      email: recipient.email,
      phone: recipient.phone,
      name: recipient.name,
      timezone: recipient.timezone,
      locale: recipient.locale,
      attributes: recipient.attributes,
    },
    schedule: { id: run.scheduleId, name: run.scheduleName },
    run: { id: run.runId, occurrenceAt },
    unsubscribeUrl: unsubscribe,
  };
}

/** The template's content, or null when what the database holds is not valid content. */
export function parseTemplateContent(content: unknown): TemplateContent | null {
  const parsed = templateContentSchema.safeParse(content);
  return parsed.success ? parsed.data : null;
}

/**
 * Why a render failed, in words an admin can act on: the missing variable by name
 * (LiquidJS says "undefined variable: recipient.attributes.plan, line:1, col:7").
 */
export function renderFailureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /undefined variable: ([^,\s]+)/.exec(message);
  if (missing) return `the template uses {{ ${missing[1]} }}, which this recipient does not have`;
  return `the template does not render: ${message.split('\n')[0]}`;
}

export type RenderOutcome<C extends Channel> = { ok: true; content: ChannelContent<C> } | { ok: false; error: string };

/** Renders one channel's content for one recipient; a failure is a reason, never a throw. */
export async function renderMessage<C extends Channel>(content: TemplateContent | null, channel: C, context: RenderContext): Promise<RenderOutcome<C>> {
  if (!content) return { ok: false, error: 'the template\'s content is not valid' };
  if (!content[channel]) return { ok: false, error: `the template has no ${channel} content` };
  try {
    // renderChannel renders the parts the schema gave this channel, so the shape is the channel's.
    return { ok: true, content: (await renderChannel(content, channel, context)) as unknown as ChannelContent<C> };
  } catch (error) {
    return { ok: false, error: renderFailureReason(error) };
  }
}
