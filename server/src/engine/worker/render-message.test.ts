import { describe, expect, it } from 'vitest';
import { sampleContext } from '../../rendering/liquid.ts';
import { parseTemplateContent, renderContextOf, renderFailureReason, renderMessage, unsubscribeUrl, type RecipientRow, type RunInfo } from './render-message.ts';

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

describe('renderContextOf', () => {
  const recipient: RecipientRow = { id: 'r1', externalId: 'x1', email: 'ada@example.com', phone: null, name: 'Ada', locale: null, timezone: null, attributes: {} };
  const run: RunInfo = { runId: 'run1', occurrenceAt: new Date('2030-01-01T09:00:00Z'), scheduleId: 's1', scheduleName: 'News', content: null };

  it('signs a lazily given unsubscribe link once, and only for content that shows it', async () => {
    let signed = 0;
    const sign = () => {
      signed += 1;
      return 'https://herald.example/u/1.signature';
    };
    const plain = parseTemplateContent({ webhook: { body: '{"name": {{ recipient.name | json }}}' } });
    expect(await renderMessage(plain, 'webhook', renderContextOf(recipient, run, sign))).toEqual({ ok: true, content: { body: '{"name": "Ada"}' } });
    expect(signed).toBe(0);

    const linked = parseTemplateContent({ email: { subject: 'Hi', html: '<a href="{{ unsubscribeUrl }}">x</a> {{ unsubscribeUrl }}' } });
    const context = renderContextOf(recipient, run, sign);
    expect(await renderMessage(linked, 'email', context)).toEqual({
      ok: true,
      content: { subject: 'Hi', html: '<a href="https://herald.example/u/1.signature">x</a> https://herald.example/u/1.signature' },
    });
    expect(signed).toBe(1);
    expect(JSON.parse(JSON.stringify(context)).unsubscribeUrl).toBe('https://herald.example/u/1.signature');
  });

  it('takes a link given as text as it is', () => {
    expect(renderContextOf(recipient, run, 'https://herald.example/u/2.s').unsubscribeUrl).toBe('https://herald.example/u/2.s');
  });
});
