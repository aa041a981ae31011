/**
 * Does an open or a click look machine-made? Privacy proxies and security scanners fetch
 * images and follow links without a person behind them, which inflates opens (Apple Mail
 * Privacy Protection alone fetches the pixel of nearly every message it receives). Herald
 * records every open and click with this verdict and its reason; analytics and later
 * decisions (A/B winners, best send hour) choose whether to count them.
 *
 * The rules, first match wins:
 *  1. a HEAD request: a person's mail client or browser asks for the body (GET);
 *  2. no User-Agent at all;
 *  3. a known privacy proxy by its User-Agent: Apple MPP (a bare `Mozilla/5.0`), Gmail's
 *     `GoogleImageProxy`, `YahooMailProxy`, Outlook's image proxy;
 *  4. a known scanner, link previewer, crawler or HTTP library by its User-Agent;
 *  5. an address of a network that fetches on people's behalf: Apple's 17.0.0.0/8 (MPP),
 *     Google's proxy and crawler ranges, Microsoft's mail-protection ranges (Safe Links);
 *  6. too soon after the message was built: a person needs a few seconds to see a message,
 *     a scanner fetches as it arrives (2 s for opens, 5 s for clicks).
 */
import { BlockList, isIP } from 'node:net';

export type TrafficSignal = {
  method: string;
  userAgent: string | undefined;
  /** the client's address as Fastify reads it (X-Forwarded-For behind a proxy) */
  ip?: string | null | undefined;
  /** seconds between building the message (right before its send) and this request */
  secondsSinceSent: number | null;
};

export type MachineVerdict = { isMachine: true; reason: MachineReason } | { isMachine: false; reason: null };

export type MachineReason =
  | 'head-request'
  | 'no-user-agent'
  | 'apple-mail-privacy-protection'
  | 'google-image-proxy'
  | 'yahoo-mail-proxy'
  | 'outlook-image-proxy'
  | 'security-scanner'
  | 'link-preview'
  | 'crawler'
  | 'http-library'
  | 'apple-network'
  | 'google-network'
  | 'microsoft-network'
  | 'too-soon-after-send';

/** Below this many seconds after sending, an open is taken for a prefetch. */
export const machineOpenWindowSeconds = 2;
/** Below this many seconds after sending, a click is taken for a scanner following links. */
export const machineClickWindowSeconds = 5;

type Rule = [reason: MachineReason, pattern: RegExp];

/** Proxies that fetch images on the recipient's behalf (and hide whether a person looked). */
const proxyRules: Rule[] = [
  // MPP's proxies send exactly this and nothing more; a real browser always says more.
  ['apple-mail-privacy-protection', /^Mozilla\/5\.0$/],
  ['google-image-proxy', /GoogleImageProxy|ggpht\.com/i],
  ['yahoo-mail-proxy', /YahooMailProxy/i],
  ['outlook-image-proxy', /OutlookImageProxy|Outlook-Image-Proxy/i],
];

/** Software that fetches URLs by itself: mail security gateways, unfurlers, bots, libraries. */
const softwareRules: Rule[] = [
  ['security-scanner', /Barracuda|Mimecast|Proofpoint|Symantec|MessageLabs|Forcepoint|Trend ?Micro|Sophos|Zscaler|FireEye|Trellix|Cisco ?IronPort|SafeLinks|Microsoft ?Defender|Checkpoint|Check Point|Cloudmark|SpamTitan|Fortinet|FortiGuard|URLDefense|HeadlessChrome|PhantomJS/i],
  ['link-preview', /Slackbot|Twitterbot|facebookexternalhit|LinkedInBot|Discordbot|TelegramBot|WhatsApp|SkypeUriPreview|BingPreview|Applebot|ms-office|Iframely|embedly|redditbot|Pinterestbot|vkShare|Google-PageRenderer|Google-Read-Aloud/i],
  ['crawler', /Googlebot|bingbot|YandexBot|Baiduspider|DuckDuckBot|AhrefsBot|SemrushBot|MJ12bot|PetalBot|crawler|spider|\bbot\b|\+https?:\/\//i],
  ['http-library', /^(curl|Wget|python-requests|python-urllib|Python\/|aiohttp|Go-http-client|Java\/|Apache-HttpClient|okhttp|libwww-perl|axios|node-fetch|undici|got \(|Ruby|PHP\/|Guzzle|RestSharp|PostmanRuntime|HTTPie|Dart\/|reqwest)/i],
];

/**
 * Networks whose fetches are software on someone's behalf. Kept to blocks their owners run
 * for that purpose: Apple's own /8 (Mail Privacy Protection's proxies), Google's
 * proxy/crawler blocks (the image proxy, link checks), and the ranges Microsoft publishes for
 * Exchange Online Protection (Safe Links detonation). A person's home or office is in none.
 */
const networkRules: Array<[reason: MachineReason, cidrs: string[]]> = [
  ['apple-network', ['17.0.0.0/8', '2620:149::/32', '2a01:b740::/32']],
  ['google-network', [
    '66.102.0.0/20', '66.249.64.0/19', '64.233.160.0/19', '72.14.192.0/18', '74.125.0.0/16', '209.85.128.0/17',
    '2001:4860::/32', '2404:6800::/32', '2607:f8b0::/32', '2800:3f0::/32', '2a00:1450::/32', '2c0f:fb50::/32',
  ]],
  ['microsoft-network', ['40.92.0.0/15', '40.107.0.0/16', '52.100.0.0/14', '104.47.0.0/17', '2a01:111:f400::/48', '2a01:111:f403::/48']],
];

const networkLists: Array<[MachineReason, BlockList]> = networkRules.map(([reason, cidrs]) => {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/') as [string, string];
    list.addSubnet(address, Number(prefix), address.includes(':') ? 'ipv6' : 'ipv4');
  }
  return [reason, list];
});

/** The reason an address belongs to a fetching network, or null. IPv4-mapped IPv6 (`::ffff:17.1.2.3`) counts as IPv4. */
export function networkReason(ip: string | null | undefined): MachineReason | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = mapped ?? ip;
  const family = isIP(address);
  if (family === 0) return null;
  for (const [reason, list] of networkLists) {
    if (list.check(address, family === 6 ? 'ipv6' : 'ipv4')) return reason;
  }
  return null;
}

/** The verdict on a fetch of the open pixel. */
export function judgeOpen(signal: TrafficSignal): MachineVerdict {
  return judge(signal, machineOpenWindowSeconds);
}

/** The verdict on a click of a tracked link. */
export function judgeClick(signal: TrafficSignal): MachineVerdict {
  return judge(signal, machineClickWindowSeconds);
}

function judge({ method, userAgent, ip, secondsSinceSent }: TrafficSignal, windowSeconds: number): MachineVerdict {
  if (method.toUpperCase() === 'HEAD') return machine('head-request');
  const agent = userAgent?.trim() ?? '';
  if (agent === '') return machine('no-user-agent');
  for (const [reason, pattern] of [...proxyRules, ...softwareRules]) {
    if (pattern.test(agent)) return machine(reason);
  }
  const network = networkReason(ip);
  if (network) return machine(network);
  // A negative age (the pixel fetched "before" the message was built) is clock skew between
  // Herald's processes: it still means "at once".
  if (secondsSinceSent !== null && secondsSinceSent < windowSeconds) return machine('too-soon-after-send');
  return { isMachine: false, reason: null };
}

function machine(reason: MachineReason): MachineVerdict {
  return { isMachine: true, reason };
}
