import { Collapse, Group, Paper, Stack, Switch, Text } from '@mantine/core';
import type { RateLimitUsage } from '@herald/shared';
import type { ComponentType, ReactNode } from 'react';
import type { LimitToggle } from './delivery-settings-form.ts';
import { LimitUsage } from './LimitUsage.tsx';
import { RateLimitFields } from './RateLimitFields.tsx';
import type { RateLimitDraft } from './limit-drafts.ts';

type RateLimitCardProps = {
  /** "Global", "Email" … */
  label: string;
  description: ReactNode;
  icon: ComponentType<{ size?: number; stroke?: number }>;
  value: LimitToggle;
  onChange: (next: LimitToggle) => void;
  errors: Partial<Record<keyof RateLimitDraft, string | undefined>>;
  /** the saved limit's usage; absent when it is not saved (yet) */
  usage: RateLimitUsage | undefined;
  /** what being off means, e.g. "Only the global limit applies." */
  offText: string;
  testId: string;
};

/** One rate limit: a switch, its maxima when on, and how much of the saved limit is used right now. */
export function RateLimitCard({ label, description, icon: Icon, value, onChange, errors, usage, offText, testId }: RateLimitCardProps) {
  return (
    <Paper withBorder radius="lg" p="md" component="section" aria-label={`${label} rate limit settings`} data-testid={testId}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start" gap="sm">
          <Group gap="xs" wrap="nowrap" align="flex-start" style={{ minWidth: 0 }}>
            <Icon size={18} stroke={1.7} />
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text fw={600} fz="sm">{label}</Text>
              <Text fz="xs" c="dimmed">{description}</Text>
            </Stack>
          </Group>
          <Switch
            aria-label={`Limit ${label}`}
            checked={value.isOn}
            onChange={(event) => onChange({ ...value, isOn: event.currentTarget.checked })}
          />
        </Group>
        <Collapse expanded={value.isOn}>
          <RateLimitFields label={label} value={value.limit} onChange={(limit) => onChange({ ...value, limit })} errors={errors} />
        </Collapse>
        {!value.isOn && <Text fz="xs" c="dimmed">{offText}{usage ? ' (once saved)' : ''}</Text>}
        {usage && <LimitUsage usage={usage} label={label} />}
      </Stack>
    </Paper>
  );
}
