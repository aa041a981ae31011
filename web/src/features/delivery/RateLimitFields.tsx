import { Group, NumberInput, SimpleGrid, Stack, Switch, Text } from '@mantine/core';
import { rateLimitWindows } from '@herald/shared';
import type { RateLimitDraft } from './limit-drafts.ts';

type RateLimitFieldsProps = {
  value: RateLimitDraft;
  onChange: (next: RateLimitDraft) => void;
  /** errors by field of the limit (maxPerMinute, burstMax …) */
  errors?: Partial<Record<keyof RateLimitDraft, string | undefined>>;
  /** names the limit for screen readers and tests, e.g. "Global" or "SMS" */
  label: string;
};

const windowLabels = { minute: 'Per minute', hour: 'Per hour', day: 'Per day' } as const;

/** Edits one rate limit: maxima per minute / hour / day (empty = no maximum) and an optional burst. */
export function RateLimitFields({ value, onChange, errors = {}, label }: RateLimitFieldsProps) {
  const set = <K extends keyof RateLimitDraft>(key: K, next: RateLimitDraft[K]) => onChange({ ...value, [key]: next });
  return (
    <Stack gap="sm" role="group" aria-label={`${label} rate limit`}>
      <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
        {rateLimitWindows.map(({ key, window }) => (
          <NumberInput
            key={key}
            label={windowLabels[window]}
            aria-label={`${label}: ${windowLabels[window].toLowerCase()}`}
            placeholder="No limit"
            min={1}
            allowDecimal={false}
            thousandSeparator=","
            value={value[key]}
            onChange={(next) => set(key, next)}
            error={errors[key]}
          />
        ))}
      </SimpleGrid>
      <Group gap="md" align="flex-end" wrap="wrap">
        <Switch
          label="Allow bursts"
          description="Without bursts, sends are spread evenly over the shortest window."
          checked={value.burstAllowed}
          onChange={(event) => set('burstAllowed', event.currentTarget.checked)}
          aria-label={`${label}: allow bursts`}
          style={{ flex: '1 1 220px' }}
        />
        {value.burstAllowed && (
          <NumberInput
            label="Burst size"
            aria-label={`${label}: burst size`}
            min={1}
            allowDecimal={false}
            value={value.burstMax}
            onChange={(next) => set('burstMax', next)}
            error={errors.burstMax}
            w={160}
          />
        )}
      </Group>
      {errors.burstAllowed && <Text c="red" fz="xs">{errors.burstAllowed}</Text>}
    </Stack>
  );
}
