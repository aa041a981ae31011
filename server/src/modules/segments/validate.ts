import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.ts';
import { AppError, type FieldIssue } from '../../lib/errors.ts';
import { fieldCatalog } from './catalog.ts';
import { attributeTypeIssues } from './check-attribute-types.ts';
import { attributePrefix, findField } from './fields/registry.ts';
import { parseSegmentQuery } from './parse.ts';
import { pgErrorCode } from './pg-error.ts';
import { criteriaOf, type Criterion, type SegmentTree } from './tree.ts';

/** Throws the one 400 that lists every issue, each naming its criterion. */
export function refuse(issues: FieldIssue[]): never {
  const message = issues.slice(0, 5).map((issue) => `${issue.field}: ${issue.message}`).join('; ') + (issues.length > 5 ? ` (and ${issues.length - 5} more)` : '');
  throw new AppError('validation_failed', message, { issues });
}

/**
 * Attributes the catalog's sample did not see may still exist on a few recipients: look for
 * each once (the GIN index on attributes answers `?` directly). An attribute written as
 * `attributes.<name>` is taken on trust, so a segment can be prepared before the app sends it.
 */
async function unknownAttributeIssues(db: Db, criteria: readonly Criterion[], known: ReadonlyMap<string, unknown>): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const checked = new Map<string, boolean>();
  for (const criterion of criteria) {
    if (criterion.field.source !== 'attribute') continue;
    const { name } = criterion.field;
    if (known.has(name) || criterion.field.isExplicit) continue;
    let exists = checked.get(name);
    if (exists === undefined) {
      const [row] = await rowsOf<{ found: boolean }>(db, sql`SELECT EXISTS (SELECT 1 FROM recipients r WHERE r.attributes ? ${name}::text) AS found`);
      exists = row?.found === true;
      checked.set(name, exists);
    }
    if (!exists) {
      issues.push({
        field: criterion.path,
        rule: 'unknown_field',
        message: `"${name}" is neither a recipient or engagement field nor an attribute any recipient has (write "${attributePrefix}${name}" to use it before your app sends it)`,
      });
    }
  }
  return issues;
}

async function unknownScheduleIssues(db: Db, criteria: readonly Criterion[]): Promise<FieldIssue[]> {
  const wanted: Array<{ path: string; id: string }> = [];
  for (const criterion of criteria) {
    if (criterion.field.source !== 'registry' || !findField(criterion.field.key)?.isScheduleValued) continue;
    const { operand, path } = criterion;
    if (operand.kind === 'scalar') wanted.push({ path, id: String(operand.value) });
    if (operand.kind === 'list') operand.values.forEach((id, index) => wanted.push({ path: `${path}.${index}`, id: String(id) }));
  }
  if (wanted.length === 0) return [];
  const ids = [...new Set(wanted.map((w) => w.id))];
  const found = await rowsOf<{ id: string }>(db, sql`SELECT id::text AS id FROM schedules WHERE id IN (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})`);
  const existing = new Set(found.map((row) => row.id));
  return wanted
    .filter((w) => !existing.has(w.id))
    .map((w) => ({ field: w.path, rule: 'unknown_schedule', message: `no schedule has the id ${w.id}` }));
}

/** PostgreSQL's regular expressions are not JavaScript's: let PostgreSQL itself say whether each one compiles. */
async function regexIssues(db: Db, criteria: readonly Criterion[]): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  for (const criterion of criteria) {
    if (criterion.operand.kind !== 'pattern') continue;
    try {
      await db.execute(sql`SELECT ''::text ~ ${criterion.operand.value}::text AS matches`);
    } catch (error) {
      const code = pgErrorCode(error);
      // 2201B: invalid regular expression; 54000 / 54001: too complex to compile
      if (code !== '2201B' && code !== '54000' && code !== '54001') throw error;
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      issues.push({ field: criterion.path, rule: 'regex', message: `is not a valid regular expression: ${cause.replace(/^invalid regular expression: /, '')}` });
    }
  }
  return issues;
}

/**
 * Checks a query against the grammar, the field registry, the attributes in the data, the
 * schedules it names and PostgreSQL's regex syntax; returns the tree or throws one 400 that
 * names every criterion at fault.
 */
export async function checkSegmentQuery(db: Db, query: unknown): Promise<SegmentTree> {
  const parsed = parseSegmentQuery(query);
  if (!parsed.ok) refuse(parsed.issues);
  const criteria = criteriaOf(parsed.tree);
  const catalog = await fieldCatalog(db);
  const issues = [
    ...(await unknownAttributeIssues(db, criteria, catalog.attributes)),
    ...attributeTypeIssues(criteria, catalog.attributes),
    ...(await unknownScheduleIssues(db, criteria)),
    ...(await regexIssues(db, criteria)),
  ];
  if (issues.length > 0) refuse(issues);
  return parsed.tree;
}
