import { Collapse, NumberInput, SimpleGrid, Stack, Switch, Text } from '@mantine/core';
import type { DeliveryUsage } from '@herald/shared';
import type { FrequencyCapDraft } from './delivery-settings-form.ts';

type FrequencyCapFieldsProps = {
  value: FrequencyCapDraft;
  onChange: (next: FrequencyCapDraft) => void;
  errors: { maxPerDay?: string | undefined; maxPerWeek?: string | undefined };
  /** the saved cap's effect right now */
  usage: DeliveryUsage['frequencyCap'] | undefined;
};

const caps = [
  { key: 'maxPerDay', label: 'Per day', placeholder: 'No daily cap' },
  { key: 'maxPerWeek', label: 'Per week', placeholder: 'No weekly cap' },
] as const;

/** The per-person frequency cap: a switch, the daily and weekly maxima, and whom it holds back now. */
export function FrequencyCapFields({ value, onChange, errors, usage }: FrequencyCapFieldsProps) {
  return (
    <Stack gap="sm">
      <Switch label="Cap notifications per person" checked={value.isOn} onChange={(event) => onChange({ ...value, isOn: event.currentTarget.checked })} />
      <Collapse expanded={value.isOn}>
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          {caps.map(({ key, label, placeholder }) => (
            <NumberInput
              key={key}
              label={label}
              aria-label={`Frequency cap ${label.toLowerCase()}`}
              placeholder={placeholder}
              min={1}
              allowDecimal={false}
              thousandSeparator=","
              value={value[key]}
              onChange={(next) => onChange({ ...value, [key]: next })}
              error={errors[key]}
            />
          ))}
        </SimpleGrid>
      </Collapse>
      {usage && (
        <Text fz="xs" c="dimmed" data-testid="cap-usage">
          Now: {usage.recipientsAtDailyCap.toLocaleString()} people at the daily cap, {usage.recipientsAtWeeklyCap.toLocaleString()} at the weekly cap; {usage.deferred.toLocaleString()} messages held back.
        </Text>
      )}
    </Stack>
  );
}
