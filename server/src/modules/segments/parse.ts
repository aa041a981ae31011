import { operatorsByFieldType, segmentLimits, segmentOperators, type SegmentFieldType, type SegmentOperator } from '@herald/shared';
import type { FieldIssue } from '../../lib/errors.ts';
import { attributePrefix, findField, operatorsOf } from './fields/registry.ts';
import {
  checkBoolean, checkDate, checkNumber, checkScalar, checkText, checkUuid, isIsoDate, type Checked,
} from './parse-values.ts';
import type { Criterion, FieldRef, Operand, Scalar, SegmentTree } from './tree.ts';

export type ParseResult = { ok: true; tree: SegmentTree } | { ok: false; issues: FieldIssue[] };

/** Attributes are untyped: they take every operator; the operand decides the comparison. */
const attributeOperators: readonly SegmentOperator[] = [...operatorsByFieldType.mixed, '$before', '$after', '$withinLastDays'];
const knownOperators = new Set<string>(segmentOperators);

type Resolved = { ref: FieldRef; type: SegmentFieldType | 'attribute'; label: string; operators: readonly SegmentOperator[] };

class Parser {
  readonly issues: FieldIssue[] = [];
  private criteria = 0;

  issue(field: string, rule: string, message: string): undefined {
    this.issues.push({ field, rule, message });
    return undefined;
  }

  node(value: unknown, path: string, depth: number): SegmentTree | undefined {
    if (!isPlainObject(value)) {
      return this.issue(path, 'type', 'must be an object: a group ({"AND": […]}, {"OR": […]}, {"NOT": {…}}) or a criterion ({"field": value})');
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return this.issue(path, 'empty', 'must name a group (AND, OR, NOT) or a field');
    const parts: SegmentTree[] = [];
    for (const key of keys) {
      const part = this.member(key, value[key], `${path}.${key}`, depth);
      if (part) parts.push(part);
    }
    if (parts.length !== keys.length) return undefined;
    return parts.length === 1 ? parts[0] : { kind: 'and', children: parts };
  }

  private member(key: string, value: unknown, path: string, depth: number): SegmentTree | undefined {
    if (key === 'AND' || key === 'OR' || key === 'NOT') {
      if (depth + 1 > segmentLimits.maxDepth) return this.issue(path, 'max_depth', `groups may be nested at most ${segmentLimits.maxDepth} deep`);
      if (key === 'NOT') {
        const child = this.node(value, path, depth + 1);
        return child && { kind: 'not', child };
      }
      if (!Array.isArray(value)) return this.issue(path, 'type', `must be an array of groups and criteria`);
      const children = value.map((child, index) => this.node(child, `${path}.${index}`, depth + 1));
      if (children.some((child) => !child)) return undefined;
      return { kind: key === 'AND' ? 'and' : 'or', children: children as SegmentTree[] };
    }
    return this.criterion(key, value, path);
  }

  private resolve(name: string, path: string): Resolved | undefined {
    if (name.startsWith('$') || /^(and|or|not)$/i.test(name)) {
      return this.issue(path, 'unknown_field', `"${name}" is not a field; groups are written AND, OR, NOT`);
    }
    const checked = checkText(name, { isEmptyAllowed: false, maxLength: segmentLimits.maxFieldNameLength });
    if (!checked.ok) return this.issue(path, 'field_name', `the field name ${checked.message}`);
    const attributeName = name.startsWith(attributePrefix) ? name.slice(attributePrefix.length) : undefined;
    const field = attributeName === undefined ? findField(name) : undefined;
    if (field) return { ref: { source: 'registry', key: field.key }, type: field.type, label: field.key, operators: operatorsOf(field) };
    const attribute = attributeName ?? name;
    if (attribute.length === 0) return this.issue(path, 'field_name', 'name the attribute after "attributes."');
    return { ref: { source: 'attribute', name: attribute, isExplicit: attributeName !== undefined }, type: 'attribute', label: name, operators: attributeOperators };
  }

  private criterion(name: string, value: unknown, path: string): SegmentTree | undefined {
    const field = this.resolve(name, path);
    if (!field) return undefined;
    if (!isPlainObject(value)) return this.operator(field, '$eq', value, path, path);
    const entries = Object.entries(value);
    if (entries.length === 0) return this.issue(path, 'empty', 'give a value or an operator such as {"$eq": …}');
    if (!entries.every(([key]) => key.startsWith('$'))) {
      return this.issue(path, 'type', 'must be a value or an object of operators ($eq, $in, $regex …); objects are not compared');
    }
    const options = value.$options;
    if (options !== undefined && !('$regex' in value)) return this.issue(`${path}.$options`, 'operator', '$options goes with $regex');
    const parts: SegmentTree[] = [];
    for (const [operator, operand] of entries) {
      if (operator === '$options') continue;
      const part = this.operator(field, operator, operand, `${path}.${operator}`, path, options);
      if (!part) return undefined;
      parts.push(part);
    }
    return parts.length === 1 ? parts[0] : { kind: 'and', children: parts };
  }

  private operator(field: Resolved, operator: string, value: unknown, path: string, criterionPath: string, options?: unknown): Criterion | undefined {
    if (!knownOperators.has(operator)) {
      return this.issue(path, 'unknown_operator', `${operator} is not an operator; use one of ${field.operators.join(', ')}`);
    }
    const op = operator as SegmentOperator;
    if (!field.operators.includes(op)) {
      return this.issue(path, 'operator', `${op} does not apply to ${field.label} (${field.type}); use one of ${field.operators.join(', ')}`);
    }
    this.criteria += 1;
    if (this.criteria === segmentLimits.maxCriteria + 1) {
      return this.issue(criterionPath, 'max_criteria', `a segment may have at most ${segmentLimits.maxCriteria} criteria`);
    }
    if (this.criteria > segmentLimits.maxCriteria) return undefined;
    const operand = this.operand(field, op, value, path, options);
    return operand && { kind: 'criterion', path, field: field.ref, operator: op, operand };
  }

  private checked<T>(result: Checked<T>, path: string): T | undefined {
    if (result.ok) return result.value;
    return this.issue(path, result.rule, result.message);
  }

  /** One value for $eq / $ne / $in of this field's type. */
  private scalar(field: Resolved, value: unknown, path: string): Scalar | undefined {
    switch (field.type) {
      case 'string':
        return this.checked(checkText(value), path);
      case 'number':
        return this.checked(checkNumber(value), path);
      case 'boolean':
        return this.checked(checkBoolean(value), path);
      case 'schedule':
        return this.checked(checkUuid(value), path);
      default:
        return this.checked(checkScalar(value), path);
    }
  }

  private list(field: Resolved, value: unknown, path: string): Scalar[] | undefined {
    if (!Array.isArray(value)) return this.issue(path, 'type', 'must be an array of values');
    if (value.length === 0) return this.issue(path, 'min', 'must hold at least one value');
    if (value.length > segmentLimits.maxListValues) return this.issue(path, 'max', `must hold at most ${segmentLimits.maxListValues} values`);
    const values = value.map((item, index) => this.scalar(field, item, `${path}.${index}`));
    return values.some((item) => item === undefined) ? undefined : (values as Scalar[]);
  }

  /** A bound for $gt … $between: a number or a date, as the field's type (or, for attributes, the value) says. */
  private bound(field: Resolved, value: unknown, path: string): Operand | undefined {
    if (field.type === 'number') {
      const number = this.checked(checkNumber(value), path);
      return number === undefined ? undefined : { kind: 'number', value: number };
    }
    if (field.type === 'attribute' && typeof value === 'number') return { kind: 'number', value };
    // an attribute's type is known only from the data: name both kinds a bound can be
    if (field.type === 'attribute' && (typeof value !== 'string' || !isIsoDate(value))) {
      return this.issue(path, 'type', 'must be a number or an ISO 8601 date such as 2024-01-31');
    }
    const date = this.checked(checkDate(value), path);
    return date === undefined ? undefined : { kind: 'date', value: date };
  }

  private operand(field: Resolved, operator: SegmentOperator, value: unknown, path: string, options: unknown): Operand | undefined {
    switch (operator) {
      case '$eq':
      case '$ne': {
        const scalar = this.scalar(field, value, path);
        return scalar === undefined ? undefined : { kind: 'scalar', value: scalar };
      }
      case '$in':
      case '$nin': {
        const values = this.list(field, value, path);
        return values && { kind: 'list', values };
      }
      case '$contains':
        if (field.type === 'array' || (field.type === 'attribute' && typeof value !== 'string')) {
          const element = this.checked(checkScalar(value), path);
          return element === undefined ? undefined : { kind: 'scalar', value: element };
        }
        return this.text(value, path);
      case '$startsWith':
        return this.text(value, path);
      case '$regex': {
        const pattern = this.checked(checkText(value, { isEmptyAllowed: false, maxLength: segmentLimits.maxPatternLength }), path);
        if (options !== undefined && options !== '' && options !== 'i') {
          return this.issue(`${path.slice(0, -'$regex'.length)}$options`, 'options', 'must be "i" (ignore case) or ""');
        }
        return pattern === undefined ? undefined : { kind: 'pattern', value: pattern, isCaseInsensitive: options === 'i' };
      }
      case '$exists': {
        const flag = this.checked(checkBoolean(value), path);
        return flag === undefined ? undefined : { kind: 'flag', value: flag };
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        return this.bound(field, value, path);
      case '$before':
      case '$after': {
        const date = this.checked(checkDate(value), path);
        return date === undefined ? undefined : { kind: 'date', value: date };
      }
      case '$between':
        return this.range(field, value, path);
      case '$withinLastDays':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > segmentLimits.maxWithinLastDays) {
          return this.issue(path, 'days', `must be a whole number of days from 1 to ${segmentLimits.maxWithinLastDays}`);
        }
        return { kind: 'days', value };
    }
  }

  private text(value: unknown, path: string): Operand | undefined {
    const text = this.checked(checkText(value, { isEmptyAllowed: false }), path);
    return text === undefined ? undefined : { kind: 'text', value: text };
  }

  private range(field: Resolved, value: unknown, path: string): Operand | undefined {
    if (!Array.isArray(value) || value.length !== 2) return this.issue(path, 'type', 'must be [low, high]');
    const low = this.bound(field, value[0], `${path}.0`);
    const high = this.bound(field, value[1], `${path}.1`);
    if (!low || !high) return undefined;
    if (low.kind === 'number' && high.kind === 'number') {
      return low.value <= high.value ? { kind: 'number-range', low: low.value, high: high.value } : this.issue(path, 'range', 'low must not be above high');
    }
    if (low.kind === 'date' && high.kind === 'date') {
      return Date.parse(low.value) <= Date.parse(high.value)
        ? { kind: 'date-range', low: low.value, high: high.value }
        : this.issue(path, 'range', 'low must not be after high');
    }
    return this.issue(path, 'type', 'low and high must both be numbers or both be dates');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a segment query against the grammar and the field registry, and returns the
 * validated tree, or every problem found, each naming the criterion's path
 * (`query.AND.2.location.$regex`). Pure: attributes are checked against the data elsewhere.
 */
export function parseSegmentQuery(query: unknown, basePath = 'query'): ParseResult {
  const parser = new Parser();
  const tree = parser.node(query, basePath, 0);
  if (!tree || parser.issues.length > 0) {
    return { ok: false, issues: parser.issues.length > 0 ? parser.issues : [{ field: basePath, rule: 'invalid', message: 'is not a valid segment query' }] };
  }
  return { ok: true, tree };
}

