import { NumberInput, SimpleGrid, Stack, Text } from '@mantine/core';
import { retryPolicySchema } from '@herald/shared';
import { describeRetryDelays, retryPolicyOfDraft, type RetryPolicyDraft } from './limit-drafts.ts';

type RetryPolicyFieldsProps = {
  value: RetryPolicyDraft;
  onChange: (next: RetryPolicyDraft) => void;
  errors?: Partial<Record<keyof RetryPolicyDraft, string | undefined>>;
  /** names the policy for screen readers and tests, e.g. "Default" or "SMS" */
  label: string;
};

/** Edits a retry policy and shows the waits it gives, so the numbers mean something. */
export function RetryPolicyFields({ value, onChange, errors = {}, label }: RetryPolicyFieldsProps) {
  const set = (key: keyof RetryPolicyDraft) => (next: number | string) => onChange({ ...value, [key]: next });
  const parsed = retryPolicySchema.safeParse(retryPolicyOfDraft(value));
  const field = (key: keyof RetryPolicyDraft, text: string, extra: { min?: number; max?: number; step?: number; decimal?: boolean; suffix?: string; description?: string }) => (
    <NumberInput
      label={text}
      aria-label={`${label}: ${text.toLowerCase()}`}
      description={extra.description}
      min={extra.min}
      max={extra.max}
      step={extra.step}
      allowDecimal={extra.decimal ?? false}
      suffix={extra.suffix}
      value={value[key]}
      onChange={set(key)}
      error={errors[key]}
    />
  );
  return (
    <Stack gap="sm" role="group" aria-label={`${label} retry policy`}>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm">
        {field('maxAttempts', 'Attempts', { min: 1, max: 25, description: 'including the first' })}
        {field('baseDelaySeconds', 'First wait', { min: 0, suffix: ' s', decimal: true, description: 'before the first retry' })}
        {field('factor', 'Factor', { min: 1, max: 10, step: 0.5, decimal: true, description: 'each wait × this' })}
        {field('maxDelaySeconds', 'Longest wait', { min: 0, suffix: ' s', decimal: true, description: 'no wait grows past this' })}
        {field('jitter', 'Jitter', { min: 0, max: 1, step: 0.05, decimal: true, description: '± share of each wait' })}
      </SimpleGrid>
      <Text fz="xs" c="dimmed" data-testid="retry-delays">
        {parsed.success ? describeRetryDelays(parsed.data) : 'Fix the values above to see the waits.'}
      </Text>
    </Stack>
  );
}
