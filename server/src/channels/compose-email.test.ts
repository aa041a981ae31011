import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { composeEmail, writeMimeTree, type EmailParts } from './compose-email.ts';

const base: EmailParts = {
  from: 'Herald <herald@example.com>',
  to: 'ada@example.com',
  subject: 'Hello',
  html: '<p>Hi</p>',
  messageId: '<d1.r2@herald>',
  headers: { 'X-Herald-Delivery': '1' },
};

/** Each case is written both ways from one tree, so dates and boundaries are the same. */
const cases: Array<{ name: string; parts: EmailParts }> = [
  { name: 'plain ASCII, HTML only', parts: base },
  { name: 'HTML and text: multipart/alternative', parts: { ...base, text: 'Hi' } },
  { name: 'a display name and a subject outside ASCII', parts: { ...base, to: { name: 'Zoë "Z" Ünïcode', address: 'zoe@example.com' }, subject: 'Héllo 🎉, a subject long enough to be folded over more than one header line of the message' } },
  { name: 'mostly ASCII with some accents: quoted-printable', parts: { ...base, html: `<p>Bonjour Zoë, voici les nouvelles de la saison. ${'Une phrase assez longue. '.repeat(12)}</p>`, text: 'Bonjour Zoë' } },
  { name: 'mostly outside ASCII: base64', parts: { ...base, html: `<p>${'日本語のお知らせ'.repeat(40)}</p>`, text: 'Привет, мир! '.repeat(30) } },
  { name: 'one line longer than 998 characters', parts: { ...base, html: `<p>${'x'.repeat(2_500)}</p>` } },
  { name: 'whitespace ending lines, CRLF, lone CR and LF, tabs', parts: { ...base, html: '<p>a \r\nb\t\nc \rd  </p>  ', text: 'line one  \nline two\t\r\nend ' } },
  { name: 'dots and "From " at the starts of lines', parts: { ...base, html: '.\r\n..\r\nFrom here\r\n.end é', text: '.\n.' } },
  { name: 'empty text', parts: { ...base, text: '' } },
  { name: 'larger than the encoders\' 64 KiB slices', parts: { ...base, html: `<p>${'Zoë lit la lettre, ligne après ligne. \r\n'.repeat(4_000)}</p>`, text: '€ '.repeat(40_000) } },
  {
    name: 'the tracking headers Herald adds',
    parts: {
      ...base,
      headers: {
        'X-Herald-Delivery': '42',
        'List-Unsubscribe': '<https://herald.example/t/u/eyJkIjo0Mn0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZy1lbm91Z2gtdG8tZm9sZA>, <mailto:unsubscribe@example.com?subject=unsubscribe>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    },
  },
];

describe('composeEmail', () => {
  it.each(cases)('writes what MailComposer#build() writes: $name', async ({ parts }) => {
    const root = new MailComposer(parts).compile();
    const ours = writeMimeTree(root);
    const theirs = await root.build();
    expect(ours.toString('latin1')).toBe(theirs.toString('latin1'));
  });

  it('gives the SMTP envelope of the message and its bytes with the headers it was given', () => {
    const { envelope, message } = composeEmail({ ...base, to: { name: 'Ada', address: 'ada@example.com' }, text: 'Hi' });
    expect(envelope).toEqual({ from: 'herald@example.com', to: ['ada@example.com'] });
    const text = message.toString();
    expect(text).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(text).toMatch(/^Message-ID: <d1\.r2@herald>\r$/m);
    expect(text).toMatch(/^X-Herald-Delivery: 1\r$/m);
    expect(text).toMatch(/^To: Ada <ada@example\.com>\r$/m);
    expect(text.endsWith('\r\n')).toBe(true);
  });
});
