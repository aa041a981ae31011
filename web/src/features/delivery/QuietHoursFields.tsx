import { Collapse, SimpleGrid, Stack, Switch, Text } from '@mantine/core';
import { TimeInput } from '@mantine/dates';
import { IconMoon, IconSun } from '@tabler/icons-react';
import { TimeZoneSelect } from '../../components/TimeZoneSelect.tsx';
import type { QuietHoursDraft } from './delivery-settings-form.ts';
import { describeQuietWindow } from './quiet-hours-draft.ts';

type QuietHoursFieldsProps = {
  value: QuietHoursDraft;
  onChange: (next: QuietHoursDraft) => void;
  errors: { start?: string | undefined; end?: string | undefined; timezone?: string | undefined };
};

/** The instance's quiet hours: a switch, the window on each person's clock, and the zone for people without one. */
export function QuietHoursFields({ value, onChange, errors }: QuietHoursFieldsProps) {
  const meaning = describeQuietWindow(value);
  return (
    <Stack gap="sm">
      <Switch
        label="Hold messages during quiet hours"
        description={value.isOn ? undefined : 'Messages go at any hour, except to people with quiet hours of their own'}
        checked={value.isOn}
        onChange={(event) => onChange({ ...value, isOn: event.currentTarget.checked })}
        data-testid="quiet-hours-switch"
      />
      <Collapse expanded={value.isOn}>
        <Stack gap="xs">
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm">
            <TimeInput
              label="Quiet from"
              aria-label="Quiet hours start"
              leftSection={<IconMoon size={16} />}
              value={value.start}
              onChange={(event) => onChange({ ...value, start: event.currentTarget.value })}
              error={errors.start}
            />
            <TimeInput
              label="Until"
              aria-label="Quiet hours end"
              leftSection={<IconSun size={16} />}
              value={value.end}
              onChange={(event) => onChange({ ...value, end: event.currentTarget.value })}
              error={errors.end}
            />
            <TimeZoneSelect
              label="Zone for people without one"
              aria-label="Quiet hours zone for people without one"
              placeholder="Pick a time zone"
              value={value.timezone}
              onChange={(timezone) => onChange({ ...value, timezone })}
              error={errors.timezone}
            />
          </SimpleGrid>
          {meaning && <Text fz="xs" c="dimmed" data-testid="quiet-hours-meaning">{meaning}, on each person&apos;s own clock.</Text>}
        </Stack>
      </Collapse>
    </Stack>
  );
}
