import { ActionIcon, Badge, Button, Group, Select, SegmentedControl, Switch, Text, Tooltip } from '@mantine/core';
import { IconGripVertical, IconPlus, IconTrash, IconX } from '@tabler/icons-react';
import { forwardRef, type ComponentType } from 'react';
import {
  Rule, RuleGroup, type ActionProps, type CombinatorSelectorProps, type ControlElementsProp, type DragHandleProps, type FieldSelectorProps, type FullField,
  type NotToggleProps, type OperatorSelectorProps, type RuleGroupProps, type RuleProps, type ValueSelectorProps,
} from 'react-querybuilder';
import { catalogEntryOf, messageFor } from './builder-context.ts';
import { unpickedName } from './query-convert.ts';
import { SegmentValueEditor } from './ValueEditor.tsx';

type NamedOption = { name: string; label: unknown };

/** react-querybuilder's option list (maybe grouped) as Mantine's data. */
function flatOptions(options: ReadonlyArray<NamedOption | { options: readonly NamedOption[] }>): Array<{ value: string; label: string }> {
  return options.flatMap((option) => ('options' in option ? option.options : [option])).map((option) => ({ value: option.name, label: String(option.label) }));
}

const groupLabels = { recipient: 'Recipient', engagement: 'Engagement', attribute: 'Attributes' } as const;
const typeColors: Record<string, string> = { string: 'gray', number: 'blue', boolean: 'grape', date: 'teal', array: 'orange', schedule: 'pink', mixed: 'yellow', object: 'gray' };

/** The field of a criterion: searchable, grouped (recipient, engagement, attributes), with each field's type. */
function FieldSelector({ options, value, handleOnChange, className, testID, rule, context }: FieldSelectorProps) {
  const fields = (options as FullField[]).filter((option) => option.name !== unpickedName);
  const groups = (['recipient', 'engagement', 'attribute'] as const)
    .map((group) => ({
      group: groupLabels[group],
      items: fields.filter((field) => (catalogEntryOf(field)?.group ?? 'attribute') === group).map((field) => ({ value: field.name, label: field.label })),
    }))
    .filter((group) => group.items.length > 0);
  const byName = new Map(fields.map((field) => [field.name, catalogEntryOf(field)]));
  const message = messageFor(context, rule.id);
  return (
    <Select
      size="xs"
      className={className}
      data-testid={testID}
      aria-label="Field"
      placeholder="Pick a field"
      searchable
      allowDeselect={false}
      data={groups}
      value={value && value !== unpickedName ? value : null}
      onChange={(next) => next && handleOnChange(next)}
      error={message?.isError && (!value || value === unpickedName)}
      nothingFoundMessage="No field by that name"
      comboboxProps={{ width: 280, position: 'bottom-start' }}
      renderOption={({ option }) => {
        const entry = byName.get(option.value);
        return (
          <Group gap={6} wrap="nowrap" justify="space-between" w="100%">
            <Text fz="sm" truncate>{option.label}</Text>
            {entry && <Badge size="xs" variant="light" color={typeColors[entry.type] ?? 'gray'} tt="none">{entry.type === 'schedule' ? 'notification' : entry.type}</Badge>}
          </Group>
        );
      }}
    />
  );
}

function OperatorSelector({ options, value, handleOnChange, className, testID }: OperatorSelectorProps) {
  const data = flatOptions(options);
  return (
    <Select
      size="xs"
      className={className}
      data-testid={testID}
      aria-label="Operator"
      allowDeselect={false}
      data={data}
      value={value ?? null}
      onChange={(next) => next && handleOnChange(next)}
      comboboxProps={{ width: 'max-content', position: 'bottom-start' }}
    />
  );
}

/** AND / OR of a group. */
function CombinatorSelector({ value, handleOnChange, className, testID, options }: CombinatorSelectorProps) {
  return (
    <SegmentedControl
      size="xs"
      className={className}
      data-testid={testID}
      aria-label="Match"
      value={value ?? 'and'}
      onChange={handleOnChange}
      data={flatOptions(options)}
    />
  );
}

function NotToggle({ checked, handleOnChange, className, testID }: NotToggleProps) {
  return (
    <Tooltip label="Match recipients this group does NOT match">
      <Switch size="xs" className={className} data-testid={testID} label="NOT" checked={Boolean(checked)} onChange={(event) => handleOnChange(event.currentTarget.checked)} />
    </Tooltip>
  );
}

function addButton(label: string): ComponentType<ActionProps> {
  return function AddAction({ handleOnClick, className, testID, disabled }: ActionProps) {
    return (
      <Button size="compact-xs" variant="light" className={className} data-testid={testID} disabled={disabled} leftSection={<IconPlus size={12} />} onClick={(event) => handleOnClick(event)}>
        {label}
      </Button>
    );
  };
}

function removeButton(label: string, Icon: typeof IconTrash): ComponentType<ActionProps> {
  return function RemoveAction({ handleOnClick, className, testID, disabled }: ActionProps) {
    return (
      <Tooltip label={label}>
        <ActionIcon size="md" variant="subtle" color="gray" className={className} data-testid={testID} disabled={disabled} aria-label={label} onClick={(event) => handleOnClick(event)}>
          <Icon size={15} />
        </ActionIcon>
      </Tooltip>
    );
  };
}

/** The grip that drags a criterion or a group (react-dnd attaches to the forwarded ref). */
const DragHandle = forwardRef<HTMLElement, DragHandleProps>(function DragHandle({ className, testID, ruleOrGroup, dragHandleAttributes }, ref) {
  const what = 'rules' in ruleOrGroup ? 'group' : 'criterion';
  return (
    <span ref={ref as React.Ref<HTMLSpanElement>} className={className} data-testid={testID} title={`Drag to move this ${what}`} aria-label={`Drag ${what}`} role="img" {...dragHandleAttributes}>
      <IconGripVertical size={16} />
    </span>
  );
});

function Message({ text, isError }: { text: string; isError: boolean }) {
  return <Text className="segment-message" fz="xs" c={isError ? 'red.7' : 'dimmed'} role={isError ? 'alert' : undefined}>{text}</Text>;
}

/** A rule or a group, and under it what the API or the builder says about it. */
function withMessage<P extends { context?: unknown }>(Component: ComponentType<P>, idOf: (props: P) => string | undefined): ComponentType<P> {
  return function WithMessage(props: P) {
    const message = messageFor(props.context, idOf(props));
    return (
      <>
        <Component {...props} />
        {message && <Message {...message} />}
      </>
    );
  };
}

function FallbackSelector({ options, value, handleOnChange, className, testID, title }: ValueSelectorProps) {
  const data = flatOptions(options);
  return <Select size="xs" className={className} data-testid={testID} aria-label={title} data={data} value={value ?? null} onChange={(next) => next && handleOnChange(next)} />;
}

/** Herald's controls for react-querybuilder, in Mantine. `rule` and `ruleGroup` go to the DnD provider, which wraps them. */
export const builderControls = {
  fieldSelector: FieldSelector,
  operatorSelector: OperatorSelector,
  combinatorSelector: CombinatorSelector,
  valueSelector: FallbackSelector,
  valueEditor: SegmentValueEditor,
  notToggle: NotToggle,
  addRuleAction: addButton('Criterion'),
  addGroupAction: addButton('Group'),
  removeRuleAction: removeButton('Remove criterion', IconTrash),
  removeGroupAction: removeButton('Remove group', IconX),
  dragHandle: DragHandle,
} satisfies ControlElementsProp<FullField, string>;

export const layoutControls = {
  rule: withMessage<RuleProps>(Rule, (props) => props.rule.id),
  ruleGroup: withMessage<RuleGroupProps>(RuleGroup, (props) => props.ruleGroup.id),
} satisfies ControlElementsProp<FullField, string>;
