import type { SegmentQuery } from '@herald/shared';
import type { RuleGroupType, RuleType } from 'react-querybuilder';
import type { FieldIssue } from '../../lib/api.ts';
import { defaultValueOf, isRegex, valueInputOf, type BuilderField, type BuilderOperator, type ValueInput } from './operators.ts';

/**
 * Converts between the builder's tree (react-querybuilder's RuleGroupType) and Herald's
 * Mongo-style segment query, both ways, without I/O:
 *
 *   builder: { combinator: 'and', not: false, rules: [{ field: 'plan', operator: '$eq', value: 'pro' }, …] }
 *   Herald:  { "AND": [{ "plan": "pro" }, { "location": { "$regex": "California" } }, …] }
 *
 * On the way out it also says where each rule landed (`query.AND.1.OR.0`), so an issue the API
 * names by path (`query.AND.1.OR.0.location.$regex`) is shown at the rule it is about.
 */

export type BuilderRule = RuleType<string, string, unknown>;
export type BuilderGroup = RuleGroupType;

/** A rule or group and the path of its node in the exported query. */
export type Owner = { path: string; id: string; kind: 'rule' | 'group' };

export type ExportResult = {
  query: SegmentQuery;
  owners: Owner[];
  /** rules left out of `query` because their field or value is not complete yet: id → what is missing */
  incomplete: Record<string, string>;
};

type Checked = { ok: true; value: unknown } | { ok: false; message: string };
const ok = (value: unknown): Checked => ({ ok: true, value });
const missing = (message: string): Checked => ({ ok: false, message });

/** The placeholder react-querybuilder puts in `field` and `operator` before one is picked. */
export const unpickedName = '~';

const isoDate = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

function isGroup(item: BuilderRule | BuilderGroup | string): item is BuilderGroup {
  return typeof item === 'object' && 'rules' in item;
}

function asText(raw: unknown): string {
  return typeof raw === 'string' ? raw.trim() : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
}

function asNumber(raw: unknown): number | null {
  const text = asText(raw);
  if (text === '') return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

/** A text from a field of mixed or unknown type: numbers and booleans as typed, the rest as text. */
function looseScalar(text: string, type: BuilderField['type']): string | number | boolean {
  if (type === 'number') return Number(text);
  if (type === 'boolean') return text === 'true';
  if (type === 'mixed' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (type === 'mixed' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function checkDate(raw: unknown): Checked {
  const text = asText(raw);
  if (text === '') return missing('pick a date');
  return isoDate.test(text) ? ok(text) : missing('enter a date as YYYY-MM-DD');
}

function checkRange(raw: unknown, each: (end: unknown) => Checked): Checked {
  const ends = Array.isArray(raw) ? raw : [];
  const low = each(ends[0]);
  const high = each(ends[1]);
  if (!low.ok) return missing(`${low.message} to start the range`);
  if (!high.ok) return missing(`${high.message} to end the range`);
  return ok([low.value, high.value]);
}

function checkNumber(raw: unknown): Checked {
  const number = asNumber(raw);
  return number === null ? missing('enter a number') : ok(number);
}

/** The value a rule sends to the API, or what is still missing. */
export function checkValue(field: BuilderField, operator: BuilderOperator, raw: unknown): Checked {
  const input: ValueInput = valueInputOf(field, operator);
  switch (input) {
    case 'none':
      return ok(operator === '$exists');
    case 'boolean':
      if (raw === true || raw === 'true') return ok(true);
      if (raw === false || raw === 'false') return ok(false);
      return missing('pick yes or no');
    case 'number':
      return checkNumber(raw);
    case 'days': {
      const days = asNumber(raw);
      if (days === null) return missing('enter a number of days');
      return Number.isInteger(days) && days >= 1 ? ok(days) : missing('enter a whole number of days, 1 or more');
    }
    case 'date':
      return checkDate(raw);
    case 'number-range':
      return checkRange(raw, checkNumber);
    case 'date-range':
      return checkRange(raw, checkDate);
    case 'text-range':
      return checkRange(raw, (end) => {
        const text = asText(end);
        return text === '' ? missing('enter a value') : ok(isoDate.test(text) ? text : looseScalar(text, 'mixed'));
      });
    case 'list':
    case 'choices': {
      const items = (Array.isArray(raw) ? raw : asText(raw).split(',')).map(asText).filter((item) => item !== '');
      if (items.length === 0) return missing(input === 'choices' ? 'pick at least one' : 'enter at least one value');
      return ok(items.map((item) => (input === 'choices' ? item : looseScalar(item, field.type))));
    }
    case 'choice': {
      const text = asText(raw);
      return text === '' ? missing('pick one') : ok(text);
    }
    case 'text': {
      const text = typeof raw === 'string' ? raw : asText(raw);
      if (text.trim() === '') return missing('enter a value');
      const isArrayOfNumbers = field.type === 'array' && field.examples.length > 0 && field.examples.every((example) => typeof example === 'number');
      if (isArrayOfNumbers && asNumber(text) !== null) return ok(Number(text));
      return ok(field.type === 'mixed' && !isRegex(operator) && operator !== '$contains' && operator !== '$startsWith' ? looseScalar(text.trim(), 'mixed') : text);
    }
  }
}

/** A field the catalog does not list (an attribute no sampled recipient has): every operator, values as typed. */
export function unknownField(key: string): BuilderField {
  return {
    key,
    label: key,
    group: 'attribute',
    type: 'mixed',
    operators: ['$eq', '$ne', '$in', '$nin', '$contains', '$startsWith', '$regex', '$gt', '$gte', '$lt', '$lte', '$between', '$before', '$after', '$withinLastDays', '$exists'],
    examples: [],
    description: 'Not seen in the sampled recipients',
  };
}

function criterionOf(rule: BuilderRule, value: unknown): Record<string, unknown> {
  const operator = rule.operator as BuilderOperator;
  if (operator === '$eq') return { [rule.field]: value };
  if (operator === '$exists' || operator === '$missing') return { [rule.field]: { $exists: value } };
  if (operator === '$regexAnyCase') return { [rule.field]: { $regex: value, $options: 'i' } };
  return { [rule.field]: { [operator]: value } };
}

/** Turns the builder's tree into a Herald query; incomplete rules and groups left empty by them are left out. */
export function toHeraldQuery(root: BuilderGroup, fields: ReadonlyMap<string, BuilderField>): ExportResult {
  const owners: Owner[] = [];
  const incomplete: Record<string, string> = {};

  const ruleNode = (rule: BuilderRule): Record<string, unknown> | null => {
    const id = rule.id ?? '';
    if (!rule.field || rule.field === unpickedName) {
      incomplete[id] = 'pick a field';
      return null;
    }
    if (!rule.operator || rule.operator === unpickedName) {
      incomplete[id] = 'pick an operator';
      return null;
    }
    const field = fields.get(rule.field) ?? unknownField(rule.field);
    const checked = checkValue(field, rule.operator as BuilderOperator, rule.value);
    if (!checked.ok) {
      incomplete[id] = checked.message;
      return null;
    }
    return criterionOf(rule, checked.value);
  };

  // Builds a node and records where it and its children sit; returns null for a group with nothing in it.
  const groupNode = (group: BuilderGroup, path: string, isRoot: boolean): Record<string, unknown> | null => {
    const key = group.combinator.toLowerCase() === 'or' ? 'OR' : 'AND';
    const listPath = group.not ? `${path}.NOT.${key}` : `${path}.${key}`;
    const children: Record<string, unknown>[] = [];
    const childOwners: Owner[] = [];
    for (const item of group.rules) {
      if (typeof item === 'string') continue;
      const childPath = `${listPath}.${children.length}`;
      const before = owners.length;
      const node = isGroup(item) ? groupNode(item, childPath, false) : ruleNode(item as BuilderRule);
      if (!node) continue;
      if (!isGroup(item)) childOwners.push({ path: childPath, id: item.id ?? '', kind: 'rule' });
      else childOwners.push(...owners.splice(before));
      children.push(node);
    }
    if (children.length === 0 && !isRoot) return null;
    owners.push({ path, id: group.id ?? '', kind: 'group' }, ...childOwners);
    const node = { [key]: children };
    return group.not ? { NOT: node } : node;
  };

  const query = groupNode(root, 'query', true) ?? { AND: [] };
  return { query, owners, incomplete };
}

/**
 * Which rule or group each API issue is about: the one whose path is the longest prefix of
 * the issue's field. Issues about no rule (or not about the query at all) are returned apart.
 */
export function placeIssues(issues: readonly FieldIssue[], owners: readonly Owner[]): { byId: Record<string, string>; unplaced: FieldIssue[] } {
  const byId: Record<string, string> = {};
  const unplaced: FieldIssue[] = [];
  for (const issue of issues) {
    let best: Owner | undefined;
    for (const owner of owners) {
      const isInside = issue.field === owner.path || issue.field.startsWith(`${owner.path}.`);
      if (isInside && (!best || owner.path.length > best.path.length)) best = owner;
    }
    if (!best) {
      unplaced.push(issue);
      continue;
    }
    byId[best.id] ??= issue.message;
  }
  return { byId, unplaced };
}

export type ImportResult = { ok: true; root: BuilderGroup } | { ok: false; message: string };

class ImportError extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const randomId = (): string => globalThis.crypto.randomUUID();

/** The builder's form of a value that came from a query: lists as strings (tag inputs hold text). */
function uiValue(operator: BuilderOperator, value: unknown): unknown {
  if (operator === '$in' || operator === '$nin') return (value as unknown[]).map(String);
  if (operator === '$between') return (value as unknown[]).map((end) => (typeof end === 'number' ? end : String(end)));
  return value;
}

/** Reads a Herald query into the builder's tree; refuses what the builder cannot show. */
export function fromHeraldQuery(query: unknown, newId: () => string = randomId): ImportResult {
  const group = (combinator: 'and' | 'or', rules: Array<BuilderRule | BuilderGroup>, not = false): BuilderGroup => ({
    id: newId(),
    combinator,
    ...(not ? { not: true } : {}),
    rules,
  });

  const rulesOfCriterion = (field: string, value: unknown): BuilderRule[] => {
    if (!isPlainObject(value)) {
      if (Array.isArray(value) || value === null) throw new ImportError(`${field}: a list or null is not a value; use $in or $exists`);
      return [{ id: newId(), field, operator: '$eq', value }];
    }
    const options = value.$options ?? '';
    if (options !== '' && options !== 'i') throw new ImportError(`${field}.$options: only "i" (any case) is known`);
    const rules: BuilderRule[] = [];
    for (const [operator, operand] of Object.entries(value)) {
      if (operator === '$options') continue;
      if (!operator.startsWith('$')) throw new ImportError(`${field}: objects are not compared`);
      if (operator === '$exists') {
        rules.push({ id: newId(), field, operator: operand === false ? '$missing' : '$exists', value: '' });
        continue;
      }
      const isList = operator === '$in' || operator === '$nin' || operator === '$between';
      if (isList && !Array.isArray(operand)) throw new ImportError(`${field}.${operator}: must be a list`);
      const builderOperator = operator === '$regex' && options === 'i' ? '$regexAnyCase' : operator;
      rules.push({ id: newId(), field, operator: builderOperator, value: uiValue(operator as BuilderOperator, operand) });
    }
    if (rules.length === 0) throw new ImportError(`${field}: has no operator`);
    return rules;
  };

  // The items a node adds to its parent group: a group, or criteria (several when one object
  // holds several fields or operators, which the parent takes in place when it is an AND).
  const itemsOf = (node: unknown, parent: 'and' | 'or'): Array<BuilderRule | BuilderGroup> => {
    if (!isPlainObject(node)) throw new ImportError('a node must be an object');
    const keys = Object.keys(node);
    if (keys.length === 1 && (keys[0] === 'AND' || keys[0] === 'OR')) {
      const list = node[keys[0]];
      if (!Array.isArray(list)) throw new ImportError(`${keys[0]} must be a list`);
      const combinator = keys[0] === 'AND' ? 'and' : 'or';
      return [group(combinator, list.flatMap((child) => itemsOf(child, combinator)))];
    }
    if (keys.length === 1 && keys[0] === 'NOT') {
      const inner = itemsOf(node.NOT, 'and');
      const only = inner[0];
      if (inner.length === 1 && only && isGroup(only)) return [{ ...only, not: !only.not }];
      return [group('and', inner, true)];
    }
    const items = keys.flatMap((key) => {
      if (key === 'AND' || key === 'OR' || key === 'NOT') return itemsOf({ [key]: node[key] }, 'and');
      return rulesOfCriterion(key, node[key]);
    });
    return parent === 'and' || items.length === 1 ? items : [group('and', items)];
  };

  try {
    const items = itemsOf(query, 'and');
    const only = items[0];
    const root = items.length === 1 && only && isGroup(only) ? only : group('and', items);
    return { ok: true, root };
  } catch (error) {
    if (error instanceof ImportError) return { ok: false, message: error.message };
    throw error;
  }
}

/** An empty builder: everyone, until criteria are added. */
export function emptyGroup(newId: () => string = randomId): BuilderGroup {
  return { id: newId(), combinator: 'and', rules: [] };
}

/** The value a rule takes when its field or operator changes. */
export function defaultRuleValue(field: BuilderField | undefined, operator: string): unknown {
  if (!field || !operator || operator === unpickedName) return '';
  return defaultValueOf(valueInputOf(field, operator as BuilderOperator));
}

/** Every field key a tree uses, to offer fields the catalog no longer lists. */
export function fieldKeysOf(root: BuilderGroup): string[] {
  const keys = new Set<string>();
  const walk = (group: BuilderGroup) => {
    for (const item of group.rules) {
      if (typeof item === 'string') continue;
      if (isGroup(item)) walk(item);
      else if (item.field && item.field !== unpickedName) keys.add(item.field);
    }
  };
  walk(root);
  return [...keys];
}
