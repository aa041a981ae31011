import type { Channel, TemplateContent, TemplatePreview } from '@herald/shared';
import type { recipients } from '../../db/schema.ts';
import { renderChannel, sampleContext, type RenderContext } from '../../rendering/liquid.ts';

type RecipientRow = typeof recipients.$inferSelect;

/** The render context of a real recipient; schedule and run stay samples, as nothing has fired. */
export function recipientRenderContext(recipient: RecipientRow): RenderContext {
  return {
    ...sampleContext(),
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
  };
}

/**
 * Renders every channel the content has. A channel that does not render for this recipient
 * (strict variables: an attribute they lack) is reported, not thrown, so the editor can show
 * the other channels next to the reason.
 */
export async function renderPreview(content: TemplateContent, context: RenderContext): Promise<TemplatePreview> {
  const preview: TemplatePreview = { rendered: {}, errors: [] };
  for (const channel of Object.keys(content) as Channel[]) {
    if (!content[channel]) continue;
    try {
      preview.rendered[channel] = await renderChannel(content, channel, context);
    } catch (error) {
      preview.errors.push({ channel, message: (error as Error).message.split('\n')[0] ?? 'does not render' });
    }
  }
  return preview;
}
