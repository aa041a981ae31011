/**
 * Template rendering with LiquidJS: sandboxed (templates cannot run code or reach the file
 * system), strict about variables and filters, dates in the recipient's time zone.
 */
import { Liquid, type Template } from 'liquidjs';
import type { TemplateContent } from '@herald/shared';
import type { FieldIssue } from '../lib/errors.ts';
import { createParsedCache } from './parsed-cache.ts';

function createEngine(timezone: string | undefined): Liquid {
  return new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    // no {% include %} / {% render %} from disk
    relativeReference: false,
    root: [],
    partials: [],
    layouts: [],
    ...(timezone ? { timezoneOffset: timezone } : {}),
  });
}

const engine = createEngine(undefined);
/** One engine per recipient time zone, so `{{ run.occurrenceAt | date: "%H:%M" }}` reads in local time. */
const enginesByZone = new Map<string, Liquid>();
function engineFor(timezone: string | null): Liquid {
  if (!timezone) return engine;
  let zoned = enginesByZone.get(timezone);
  if (!zoned) {
    zoned = createEngine(timezone);
    enginesByZone.set(timezone, zoned);
  }
  return zoned;
}

/**
 * Parsed templates by text, shared by every zone's engine. LiquidJS's own `cache` option only
 * keeps templates read from files, so texts were parsed again for every delivery. Sharing one
 * parse across engines is safe because the engines differ only in `timezoneOffset`, which the
 * date filters read from the rendering engine's context at render time, never at parse time.
 * Bounded: 1,000 texts, and 4 million characters of text (eight of the largest email bodies).
 */
const parsedTemplates = createParsedCache<Template[]>({ maxEntries: 1_000, maxTextLength: 4_000_000 });
function parse(text: string): Template[] {
  return parsedTemplates.get(text, (source) => engine.parse(source));
}

/** What a template may refer to. `recipient.attributes.*` is free: the host app decides. */
const knownRoots: Record<string, readonly string[] | 'any'> = {
  recipient: ['id', 'externalId', 'email', 'phone', 'name', 'timezone', 'locale', 'attributes'],
  schedule: ['id', 'name'],
  run: ['id', 'occurrenceAt'],
  unsubscribeUrl: [],
};

export type RenderContext = {
  recipient: {
    id: string;
    externalId: string;
    email: string | null;
    phone: string | null;
    name: string | null;
    timezone: string | null;
    locale: string | null;
    attributes: Record<string, unknown>;
  };
  schedule: { id: string; name: string };
  run: { id: string; occurrenceAt: string };
  unsubscribeUrl: string;
};

/** A sample context, for previews and for checking that a template renders. */
export function sampleContext(): RenderContext {
  return {
    recipient: {
      id: '00000000-0000-4000-8000-000000000000',
      externalId: 'user-123',
      email: 'ada@example.com',
      phone: '+14155550123',
      name: 'Ada Lovelace',
      timezone: 'Europe/London',
      locale: 'en',
      attributes: {},
    },
    schedule: { id: '00000000-0000-4000-8000-000000000001', name: 'Sample schedule' },
    run: { id: '00000000-0000-4000-8000-000000000002', occurrenceAt: new Date().toISOString() },
    unsubscribeUrl: 'https://example.com/unsubscribe',
  };
}

function* texts(content: TemplateContent): Generator<[field: string, text: string]> {
  for (const [channel, parts] of Object.entries(content)) {
    if (!parts) continue;
    for (const [part, value] of Object.entries(parts as Record<string, unknown>)) {
      if (typeof value === 'string') yield [`content.${channel}.${part}`, value];
    }
  }
}

/**
 * Checks every text of the content: Liquid syntax, known filters, and variables that exist.
 * Returns one issue per problem, naming the field (`content.email.subject`) and the rule.
 */
export function checkTemplateContent(content: TemplateContent): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [field, text] of texts(content)) {
    let parsed;
    try {
      parsed = parse(text);
    } catch (error) {
      issues.push({ field, rule: 'liquid_syntax', message: `is not valid Liquid: ${(error as Error).message.split('\n')[0]}` });
      continue;
    }
    for (const segments of engine.globalVariableSegmentsSync(parsed)) {
      const [root, property] = segments.map(String);
      const allowed = root === undefined ? undefined : knownRoots[root];
      if (!root || allowed === undefined) {
        issues.push({ field, rule: 'unknown_variable', message: `uses {{ ${segments.join('.')} }}, which does not exist; use one of ${Object.keys(knownRoots).join(', ')}` });
      } else if (allowed !== 'any' && property !== undefined && !allowed.includes(property)) {
        issues.push({ field, rule: 'unknown_variable', message: `uses {{ ${segments.join('.')} }}: ${root} has no "${property}" (it has ${allowed.join(', ')})` });
      }
    }
    try {
      engine.renderSync(parsed, sampleContext() as unknown as Record<string, unknown>, { strictVariables: false });
    } catch (error) {
      issues.push({ field, rule: 'liquid_render', message: `does not render: ${(error as Error).message.split('\n')[0]}` });
    }
  }
  return issues;
}

export type RenderedContent = Partial<Record<keyof TemplateContent, Record<string, string>>>;

/**
 * Renders one channel's content for one recipient. Throws when a variable is missing for
 * this recipient (strict variables): the delivery fails with that reason rather than
 * sending "Hello ,". Async so that every failure is a rejection, as callers expect.
 */
export async function renderChannel(content: TemplateContent, channel: keyof TemplateContent, context: RenderContext): Promise<Record<string, string>> {
  const parts = content[channel];
  if (!parts) throw new Error(`the template has no ${channel} content`);
  const scope = context as unknown as Record<string, unknown>;
  const zoned = engineFor(context.recipient.timezone);
  const rendered: Record<string, string> = {};
  for (const [part, value] of Object.entries(parts as Record<string, unknown>)) {
    if (typeof value !== 'string') continue;
    // Synchronously: with no file system and no asynchronous filters nothing in a template waits,
    // and the asynchronous renderer costs a promise per node.
    rendered[part] = zoned.renderSync(parse(value), scope) as string;
  }
  return rendered;
}
