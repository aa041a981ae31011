import { describe, expect, it } from 'vitest';
import { checkTemplateContent, renderChannel, sampleContext, type RenderContext } from './liquid.ts';

function contextIn(timezone: string | null, attributes: Record<string, unknown> = {}): RenderContext {
  const context = sampleContext();
  return { ...context, recipient: { ...context.recipient, timezone, attributes }, run: { ...context.run, occurrenceAt: '2026-07-01T12:00:00.000Z' } };
}

describe('renderChannel with parsed templates kept', () => {
  const content = { sms: { body: 'At {{ run.occurrenceAt | date: "%H:%M" }}, {{ recipient.attributes.plan }}' } };

  it('renders the same text in each recipient\'s own time zone', async () => {
    expect(await renderChannel(content, 'sms', contextIn('Europe/London', { plan: 'pro' }))).toEqual({ body: 'At 13:00, pro' });
    expect(await renderChannel(content, 'sms', contextIn('Asia/Tokyo', { plan: 'free' }))).toEqual({ body: 'At 21:00, free' });
    expect(await renderChannel(content, 'sms', contextIn('America/New_York', { plan: 'pro' }))).toEqual({ body: 'At 08:00, pro' });
    expect(await renderChannel(content, 'sms', contextIn('Europe/London', { plan: 'team' }))).toEqual({ body: 'At 13:00, team' });
  });

  it('still rejects a variable this recipient lacks, after the text rendered for another', async () => {
    await renderChannel(content, 'sms', contextIn('Europe/London', { plan: 'pro' }));
    await expect(renderChannel(content, 'sms', contextIn('Europe/London'))).rejects.toThrow(/plan/);
  });

  it('still refuses properties a recipient\'s attributes inherit', async () => {
    const inherited = { sms: { body: '{{ recipient.attributes.constructor }}' } };
    await expect(renderChannel(inherited, 'sms', contextIn(null))).rejects.toThrow(/constructor/);
  });

  it('renders a text checked before from the same parse, and rejects an invalid one each time', async () => {
    const checked = { sms: { body: 'Hi {{ recipient.name }}' } };
    expect(checkTemplateContent(checked)).toEqual([]);
    expect(await renderChannel(checked, 'sms', contextIn(null))).toEqual({ body: 'Hi Ada Lovelace' });
    const invalid = { sms: { body: 'Hi {{ recipient.name ' } };
    expect(checkTemplateContent(invalid).map((issue) => issue.rule)).toEqual(['liquid_syntax']);
    await expect(renderChannel(invalid, 'sms', contextIn(null))).rejects.toThrow();
    await expect(renderChannel(invalid, 'sms', contextIn(null))).rejects.toThrow();
  });
});
