import { describe, expect, it } from 'vitest';
import { judgeClick, judgeOpen, machineClickWindowSeconds, machineOpenWindowSeconds, networkReason, type MachineReason } from './machine-traffic.ts';

const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const appleMailClient = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const outlookDesktop = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)';
const cubotPhone = 'Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/110.0.0.0 Mobile Safari/537.36';
const later = 3600;

describe('judgeOpen', () => {
  it.each<[string, string, string | undefined, number | null, MachineReason | null]>([
    ['a person in a browser, an hour later', 'GET', chrome, later, null],
    ['a person in Apple Mail with protection off', 'GET', appleMailClient, later, null],
    ['a person in Outlook desktop', 'GET', outlookDesktop, later, null],
    ['a phone whose model ends in "bot"', 'GET', cubotPhone, later, null],
    ['no send time known', 'GET', chrome, null, null],
    ['exactly at the window', 'GET', chrome, machineOpenWindowSeconds, null],
    ['a HEAD request', 'HEAD', chrome, later, 'head-request'],
    ['no User-Agent', 'GET', undefined, later, 'no-user-agent'],
    ['a blank User-Agent', 'GET', '   ', later, 'no-user-agent'],
    ['Apple Mail Privacy Protection', 'GET', 'Mozilla/5.0', later, 'apple-mail-privacy-protection'],
    ['Gmail\'s image proxy', 'GET', 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)', later, 'google-image-proxy'],
    ['Yahoo\'s mail proxy', 'GET', 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html', later, 'yahoo-mail-proxy'],
    ['Outlook\'s image proxy', 'GET', 'Mozilla/5.0 OutlookImageProxy', later, 'outlook-image-proxy'],
    ['a security gateway', 'GET', 'Mozilla/5.0 (compatible; Barracuda Sentinel)', later, 'security-scanner'],
    ['a headless browser', 'GET', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36', later, 'security-scanner'],
    ['Slack unfurling', 'GET', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', later, 'link-preview'],
    ['Office prefetching a link', 'GET', 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)', later, 'link-preview'],
    ['a search crawler', 'GET', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', later, 'crawler'],
    ['a self-declared bot', 'GET', 'Some Monitor bot 1.0', later, 'crawler'],
    ['curl', 'GET', 'curl/8.5.0', later, 'http-library'],
    ['python-requests', 'GET', 'python-requests/2.31.0', later, 'http-library'],
    ['Go', 'GET', 'Go-http-client/1.1', later, 'http-library'],
    ['a fetch one second after sending', 'GET', chrome, 1, 'too-soon-after-send'],
    ['a fetch "before" sending (clock skew)', 'GET', chrome, -3, 'too-soon-after-send'],
  ])('%s', (_name, method, userAgent, secondsSinceSent, reason) => {
    expect(judgeOpen({ method, userAgent, secondsSinceSent })).toEqual({ isMachine: reason !== null, reason });
  });
});

describe('judgeClick', () => {
  it.each<[string, string | undefined, number | null, MachineReason | null]>([
    ['a person, a minute later', chrome, 60, null],
    ['a person, right at the window', chrome, machineClickWindowSeconds, null],
    ['a scanner following links on arrival', chrome, 2, 'too-soon-after-send'],
    ['a security gateway, later', 'Mimecast URL protect', 60, 'security-scanner'],
    ['a library', 'Java/17.0.2', 60, 'http-library'],
    ['no User-Agent', undefined, 60, 'no-user-agent'],
  ])('%s', (_name, userAgent, secondsSinceSent, reason) => {
    expect(judgeClick({ method: 'GET', userAgent, secondsSinceSent })).toEqual({ isMachine: reason !== null, reason });
  });

  it('waits longer than opens do: a scanner clicking after 3 s is caught, an open after 3 s is not', () => {
    expect(judgeClick({ method: 'GET', userAgent: chrome, secondsSinceSent: 3 }).isMachine).toBe(true);
    expect(judgeOpen({ method: 'GET', userAgent: chrome, secondsSinceSent: 3 }).isMachine).toBe(false);
  });
});

describe('networkReason', () => {
  it.each<[string, string | null | undefined, MachineReason | null]>([
    ['Apple\'s /8', '17.58.101.7', 'apple-network'],
    ['Apple\'s /8, IPv4-mapped IPv6', '::ffff:17.58.101.7', 'apple-network'],
    ['Apple over IPv6', '2620:149:a44::10', 'apple-network'],
    ['Google\'s proxy block', '66.249.84.12', 'google-network'],
    ['Google over IPv6', '2a00:1450:4001:82b::200e', 'google-network'],
    ['Microsoft mail protection', '40.107.22.40', 'microsoft-network'],
    ['just outside Apple\'s /8', '18.0.0.1', null],
    ['just outside Google\'s 66.249.64.0/19', '66.249.96.1', null],
    ['a home address', '203.0.113.9', null],
    ['loopback', '127.0.0.1', null],
    ['IPv6 loopback', '::1', null],
    ['not an address', 'example.com', null],
    ['none', undefined, null],
  ])('%s (%s) → %s', (_name, ip, reason) => {
    expect(networkReason(ip)).toBe(reason);
  });

  it('judges a person\'s browser behind Apple\'s proxy as a machine, after the User-Agent rules', () => {
    expect(judgeOpen({ method: 'GET', userAgent: chrome, ip: '17.1.2.3', secondsSinceSent: later })).toEqual({ isMachine: true, reason: 'apple-network' });
    expect(judgeOpen({ method: 'GET', userAgent: 'curl/8.5.0', ip: '17.1.2.3', secondsSinceSent: later })).toEqual({ isMachine: true, reason: 'http-library' });
    expect(judgeClick({ method: 'GET', userAgent: chrome, ip: '203.0.113.9', secondsSinceSent: later })).toEqual({ isMachine: false, reason: null });
  });
});
