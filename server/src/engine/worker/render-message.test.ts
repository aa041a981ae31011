import { describe, expect, it } from 'vitest';
import { sampleContext } from '../../rendering/liquid.ts';
import { parseTemplateContent, readsUnsubscribeUrl, renderFailureReason, renderMessage, unsubscribeUrl } from './render-message.ts';

describe('renderFailureReason', () => {
  it.each([
    { error: new Error('undefined variable: recipient.attributes.plan, line:1, col:7'), expected: 'the template uses {{ recipient.attributes.plan }}, which this recipient does not have' },
    { error: new Error('undefined variable: foo'), expected: 'the template uses {{ foo }}, which this recipient does not have' },
    { error: new Error('undefined filter: shout\nline 2'), expected: 'the template does not render: undefined filter: shout' },
    { error: 'odd', expected: 'the template does not render: odd' },
  ])('$error', ({ error, expected }) => {
    expect(renderFailureReason(error)).toBe(expected);
  });
});

describe('renderMessage', () => {
  const content = parseTemplateContent({ email: { subject: 'Hi {{ recipient.name }}', html: '<p>{{ recipient.attributes.plan }}</p>' } });

  it('renders every part of the channel', async () => {
    const context = sampleContext();
    context.recipient.attributes = { plan: 'pro' };
    expect(await renderMessage(content, 'email', context)).toEqual({ ok: true, content: { subject: 'Hi Ada Lovelace', html: '<p>pro</p>' } });
  });

  it('names the variable this recipient lacks', async () => {
    const outcome = await renderMessage(content, 'email', sampleContext());
    expect(outcome).toEqual({ ok: false, error: expect.stringContaining('recipient.attributes.plan') });
  });

  it('refuses a channel the template has no content for', async () => {
    expect(await renderMessage(content, 'sms', sampleContext())).toEqual({ ok: false, error: 'the template has no sms content' });
  });

  it('refuses content that is not valid', async () => {
    expect(parseTemplateContent({ email: { subject: '' } })).toBeNull();
    expect(await renderMessage(null, 'email', sampleContext())).toMatchObject({ ok: false });
  });
});

describe('unsubscribeUrl', () => {
  it('is signed and differs per delivery', () => {
    const key = Buffer.alloc(32, 1);
    const first = unsubscribeUrl('https://herald.example', key, 1);
    expect(first).toMatch(/^https:\/\/herald\.example\/u\/1\.[A-Za-z0-9_-]{43}$/);
    expect(unsubscribeUrl('https://herald.example', key, 2).split('.').pop()).not.toBe(first.split('.').pop());
  });
});

describe('readsUnsubscribeUrl', () => {
  const content = parseTemplateContent({
    email: { subject: 'Hi', html: '<a href="{{ unsubscribeUrl }}">unsubscribe</a>' },
    inapp: { title: 'Hi', body: 'News for {{ recipient.name }}' },
    webhook: { body: '{"items": [{{ recipient.name | json }}]}' },
  });

  it.each([
    { channel: 'email' as const, expected: true, why: 'names it' },
    { channel: 'inapp' as const, expected: false, why: 'never names it' },
    { channel: 'webhook' as const, expected: true, why: 'has a [ that could look it up by a computed name' },
    { channel: 'sms' as const, expected: false, why: 'has no content' },
  ])('$channel: $expected ($why)', ({ channel, expected }) => {
    expect(readsUnsubscribeUrl(content, channel)).toBe(expected);
    expect(readsUnsubscribeUrl(content, channel)).toBe(expected);
  });

  it('is false without valid content', () => {
    expect(readsUnsubscribeUrl(null, 'email')).toBe(false);
  });

  it('is right to count a [: Liquid finds the link by a computed name', async () => {
    const computed = parseTemplateContent({ inapp: { title: 'Hi', body: '{% assign k = "unsubscribe" | append: "Url" %}{{ [k] }}' } });
    expect(readsUnsubscribeUrl(computed, 'inapp')).toBe(true);
    const context = { ...sampleContext(), unsubscribeUrl: 'https://herald.example/u/1.s' };
    expect(await renderMessage(computed, 'inapp', context)).toEqual({ ok: true, content: { title: 'Hi', body: 'https://herald.example/u/1.s' } });
  });
});
