import type { FullField } from 'react-querybuilder';
import type { BuilderField } from './operators.ts';

/** What every control of the builder can read through react-querybuilder's `context` prop. */
export type BuilderContext = {
  /** problems the API named, by rule or group id */
  errors: Record<string, string>;
  /** rules left out of the count, by id, and what each lacks */
  incomplete: Record<string, string>;
  /** after a refused save, incomplete rules are shown as errors */
  isIncompleteAnError: boolean;
};

/** A react-querybuilder field carrying its catalog entry. */
export type HeraldField = FullField & { herald: BuilderField };

/** The catalog entry behind a react-querybuilder field, when it has one. */
export function catalogEntryOf(fieldData: FullField | undefined): BuilderField | undefined {
  return (fieldData as Partial<HeraldField> | undefined)?.herald;
}

/** The context, typed (react-querybuilder passes it as `any`). */
export function builderContextOf(context: unknown): BuilderContext {
  const value = context as Partial<BuilderContext> | undefined;
  return { errors: value?.errors ?? {}, incomplete: value?.incomplete ?? {}, isIncompleteAnError: value?.isIncompleteAnError ?? false };
}

/** The message shown under a rule or group, and whether it is an error or a hint. */
export function messageFor(context: unknown, id: string | undefined): { text: string; isError: boolean } | null {
  if (!id) return null;
  const { errors, incomplete, isIncompleteAnError } = builderContextOf(context);
  if (errors[id]) return { text: errors[id], isError: true };
  if (incomplete[id]) return { text: isIncompleteAnError ? incomplete[id] : `Left out of the count until you ${incomplete[id]}`, isError: isIncompleteAnError };
  return null;
}
