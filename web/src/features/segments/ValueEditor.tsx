import { Autocomplete, Group, MultiSelect, NumberInput, SegmentedControl, Select, TagsInput, Text, TextInput } from '@mantine/core';
import { DateInput } from '@mantine/dates';
import type { ValueEditorProps } from 'react-querybuilder';
import { catalogEntryOf, messageFor } from './builder-context.ts';
import { isRegex, valueInputOf, type BuilderOperator } from './operators.ts';
import { unknownField } from './query-convert.ts';

const size = 'xs';

function textsOf(examples: ReadonlyArray<string | number | boolean>): string[] {
  return [...new Set(examples.map(String))];
}

function endsOf(value: unknown): [unknown, unknown] {
  return Array.isArray(value) ? [value[0] ?? '', value[1] ?? ''] : ['', ''];
}

type EndProps = { value: unknown; onChange: (value: unknown) => void; label: string; hasError: boolean };

function NumberEnd({ value, onChange, label, hasError }: EndProps) {
  return <NumberInput size={size} aria-label={label} value={value === '' ? '' : Number(value)} onChange={onChange} error={hasError} hideControls className="segment-value-end" />;
}

function DateEnd({ value, onChange, label, hasError }: EndProps) {
  return (
    <DateInput
      size={size}
      aria-label={label}
      placeholder="YYYY-MM-DD"
      valueFormat="YYYY-MM-DD"
      value={typeof value === 'string' && value ? value.slice(0, 10) : null}
      onChange={(next) => onChange(next ?? '')}
      error={hasError}
      className="segment-value-end"
      popoverProps={{ withinPortal: true }}
    />
  );
}

function TextEnd({ value, onChange, label, hasError }: EndProps) {
  return <TextInput size={size} aria-label={label} value={String(value ?? '')} onChange={(event) => onChange(event.currentTarget.value)} error={hasError} className="segment-value-end" />;
}

/**
 * The value of a criterion, with the input its field's type and operator call for: text with
 * the values seen in the data, numbers, dates, yes/no, lists, ranges, a number of days, or the
 * choices of a field whose values are ids (scheduled notifications).
 */
export function SegmentValueEditor(props: ValueEditorProps) {
  const { operator, value, handleOnChange, fieldData, rule, context, className, testID } = props;
  const field = catalogEntryOf(fieldData) ?? unknownField(String(props.field));
  const input = valueInputOf(field, operator as BuilderOperator);
  const hasError = messageFor(context, rule.id)?.isError ?? false;
  const label = `Value of ${field.label}`;
  const examples = textsOf(field.examples);
  const options = field.options ?? [];
  const common = { size, className, 'data-testid': testID, 'aria-label': label, error: hasError } as const;

  switch (input) {
    case 'none':
      return null;
    case 'boolean':
      return (
        <SegmentedControl
          size={size}
          className={className}
          data-testid={testID}
          aria-label={label}
          value={String(value === true || value === 'true')}
          onChange={(next) => handleOnChange(next === 'true')}
          data={[{ value: 'true', label: 'true' }, { value: 'false', label: 'false' }]}
        />
      );
    case 'number':
      return <NumberInput {...common} placeholder="Number" value={value === '' || value === undefined ? '' : Number(value)} onChange={handleOnChange} hideControls />;
    case 'days':
      return (
        <NumberInput
          {...common}
          placeholder="30"
          min={1}
          allowDecimal={false}
          value={value === '' || value === undefined ? '' : Number(value)}
          onChange={handleOnChange}
          rightSection={<Text fz="xs" c="dimmed" pr={6}>days</Text>}
          rightSectionWidth={44}
          hideControls
        />
      );
    case 'date':
      return (
        <DateInput
          {...common}
          placeholder="YYYY-MM-DD"
          valueFormat="YYYY-MM-DD"
          value={typeof value === 'string' && value ? value.slice(0, 10) : null}
          onChange={(next) => handleOnChange(next ?? '')}
          popoverProps={{ withinPortal: true }}
        />
      );
    case 'choice':
      return <Select {...common} placeholder="Pick one" searchable data={options} value={typeof value === 'string' && value ? value : null} onChange={(next) => handleOnChange(next ?? '')} nothingFoundMessage="Nothing found" />;
    case 'choices':
      return <MultiSelect {...common} placeholder="Pick one or more" searchable data={options} value={Array.isArray(value) ? value.map(String) : []} onChange={handleOnChange} nothingFoundMessage="Nothing found" />;
    case 'list':
      return (
        <TagsInput
          {...common}
          placeholder="Type a value, press Enter"
          data={examples}
          splitChars={[',']}
          value={Array.isArray(value) ? value.map(String) : []}
          onChange={handleOnChange}
        />
      );
    case 'number-range':
    case 'date-range':
    case 'text-range': {
      const End = input === 'number-range' ? NumberEnd : input === 'date-range' ? DateEnd : TextEnd;
      const [low, high] = endsOf(value);
      return (
        <Group gap={6} wrap="nowrap" className={className} data-testid={testID}>
          <End value={low} onChange={(next) => handleOnChange([next, high])} label={`${label}, from`} hasError={hasError} />
          <Text fz="xs" c="dimmed">and</Text>
          <End value={high} onChange={(next) => handleOnChange([low, next])} label={`${label}, to`} hasError={hasError} />
        </Group>
      );
    }
    case 'text':
      if (examples.length > 0 && !isRegex(operator)) {
        return <Autocomplete {...common} placeholder="Value" data={examples} value={String(value ?? '')} onChange={handleOnChange} />;
      }
      return (
        <TextInput
          {...common}
          placeholder={isRegex(operator) ? 'Regular expression' : 'Value'}
          ff={isRegex(operator) ? 'monospace' : undefined}
          value={String(value ?? '')}
          onChange={(event) => handleOnChange(event.currentTarget.value)}
        />
      );
  }
}
