import 'react-querybuilder/dist/query-builder.css';
import './segment-builder.css';
import { QueryBuilderDnD } from '@react-querybuilder/dnd';
import { createReactDnDAdapter } from '@react-querybuilder/dnd/react-dnd';
import * as ReactDnD from 'react-dnd';
import * as ReactDndHtml5Backend from 'react-dnd-html5-backend';
import * as ReactDndTouchBackend from 'react-dnd-touch-backend';
import { useCallback, useMemo } from 'react';
import { QueryBuilder, type RuleGroupType, type RuleType } from 'react-querybuilder';
import type { BuilderContext, HeraldField } from './builder-context.ts';
import { builderControls, layoutControls } from './builder-controls.tsx';
import { builderOperatorsOf, operatorLabel, type BuilderField } from './operators.ts';
import { defaultRuleValue, unknownField, type BuilderGroup } from './query-convert.ts';

// Mouse drags on desktops; on touch screens the touch backend (react-querybuilder's adapter
// picks it when the device has touch), so criteria can be moved on a phone too.
const dndAdapter = createReactDnDAdapter({ ...ReactDnD, ...ReactDndHtml5Backend, ...ReactDndTouchBackend });

const combinators = [
  { name: 'and', value: 'and', label: 'AND' },
  { name: 'or', value: 'or', label: 'OR' },
];

const controlClassnames = { queryBuilder: 'segment-builder' };

/** react-querybuilder's fields from the catalog, plus any field the query uses that the catalog no longer lists. */
export function builderFieldsOf(catalog: readonly BuilderField[], usedKeys: readonly string[]): Map<string, BuilderField> {
  const byKey = new Map(catalog.map((field) => [field.key, field]));
  for (const key of usedKeys) if (!byKey.has(key)) byKey.set(key, unknownField(key));
  return byKey;
}

function toQueryBuilderField(field: BuilderField): HeraldField {
  return {
    name: field.key,
    value: field.key,
    label: field.label,
    herald: field,
    operators: builderOperatorsOf(field).map((operator) => ({ name: operator, value: operator, label: operatorLabel(operator, field.type) })),
  };
}

type SegmentBuilderProps = {
  query: BuilderGroup;
  onChange: (query: BuilderGroup) => void;
  fields: ReadonlyMap<string, BuilderField>;
  context: BuilderContext;
};

/** The visual query builder: nested AND / OR groups with NOT, criteria moved by drag and drop. */
export function SegmentBuilder({ query, onChange, fields, context }: SegmentBuilderProps) {
  const queryBuilderFields = useMemo(() => [...fields.values()].map(toQueryBuilderField), [fields]);
  const getDefaultValue = useCallback((rule: RuleType) => defaultRuleValue(fields.get(rule.field), rule.operator), [fields]);
  return (
    <QueryBuilderDnD dnd={dndAdapter} controlElements={layoutControls}>
      <QueryBuilder
        fields={queryBuilderFields}
        query={query}
        onQueryChange={(next: RuleGroupType) => onChange(next)}
        combinators={combinators}
        controlElements={builderControls}
        controlClassnames={controlClassnames}
        getDefaultValue={getDefaultValue}
        autoSelectField={false}
        showNotToggle
        addRuleToNewGroups
        resetOnOperatorChange
        listsAsArrays
        maxLevels={6}
        context={context}
      />
    </QueryBuilderDnD>
  );
}
