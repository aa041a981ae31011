import { Alert, Chip, Group, Input, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { DateInput, DateTimePicker, TimeInput } from '@mantine/dates';
import type { UseFormReturnType } from '@mantine/form';
import { IconAlertTriangle, IconCalendar, IconClock } from '@tabler/icons-react';
import type { Frequency, ScheduleFormValues, ScheduleMode } from './schedule-form.ts';

const weekdays = [
  ['1', 'Mon'], ['2', 'Tue'], ['3', 'Wed'], ['4', 'Thu'], ['5', 'Fri'], ['6', 'Sat'], ['7', 'Sun'],
] as const;

const monthDays = [
  ...Array.from({ length: 31 }, (_, index) => ({ value: String(index + 1), label: String(index + 1) })),
  { value: 'last', label: 'Last day of the month' },
];

type TimingFieldsProps = {
  form: UseFormReturnType<ScheduleFormValues>;
  /** errors the live preview found, shown at the same inputs as the form's own */
  errorAt: (path: string) => string | undefined;
  /** the timing in words, from the preview */
  description: string | undefined;
};

/** One-time (date and time) or recurring (daily, weekly, monthly, cron; time of day; window). */
export function TimingFields({ form, errorAt, description }: TimingFieldsProps) {
  const { mode, frequency } = form.values;
  const field = (path: keyof ScheduleFormValues) => ({ ...form.getInputProps(path), error: errorAt(path) });
  const onceError = errorAt('onceAt');

  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label="When"
        value={mode}
        onChange={(value) => form.setFieldValue('mode', value as ScheduleMode)}
        data={[{ value: 'once', label: 'One time' }, { value: 'recurring', label: 'Recurring' }]}
        fullWidth
      />
      {errorAt('timing') && <Alert color="red" variant="light" py={8} icon={<IconAlertTriangle size={16} />}>{errorAt('timing')}</Alert>}

      {mode === 'once' ? (
        <Stack gap={4}>
          <SimpleGrid cols={2} spacing="sm">
            <DateInput
              label="Send date"
              placeholder="YYYY-MM-DD"
              valueFormat="YYYY-MM-DD"
              leftSection={<IconCalendar size={16} />}
              data-testid="schedule-date"
              popoverProps={{ withinPortal: true }}
              {...field('onceDate')}
              error={errorAt('onceDate') ?? Boolean(onceError)}
            />
            <TimeInput label="Send time" leftSection={<IconClock size={16} />} data-testid="schedule-time" {...field('onceTime')} error={errorAt('onceTime') ?? Boolean(onceError)} />
          </SimpleGrid>
          {onceError && <Input.Error>{onceError}</Input.Error>}
        </Stack>
      ) : (
        <Stack gap="sm">
          <SegmentedControl
            aria-label="Repeats"
            value={frequency}
            onChange={(value) => form.setFieldValue('frequency', value as Frequency)}
            data={[
              { value: 'daily', label: 'Daily' },
              { value: 'weekly', label: 'Weekly' },
              { value: 'monthly', label: 'Monthly' },
              { value: 'cron', label: 'Cron' },
            ]}
            fullWidth
          />
          {frequency === 'weekly' && (
            <Stack gap={6}>
              <Text fz="sm" fw={500}>On</Text>
              <Chip.Group multiple value={form.values.days} onChange={(days) => form.setFieldValue('days', days)}>
                <Group gap={6} role="group" aria-label="Weekdays">
                  {weekdays.map(([value, label]) => <Chip key={value} value={value} size="sm">{label}</Chip>)}
                </Group>
              </Chip.Group>
              {errorAt('days') && <Input.Error>{errorAt('days')}</Input.Error>}
            </Stack>
          )}
          {frequency === 'cron' ? (
            <TextInput
              label="Cron expression"
              placeholder="0 9 * * 1-5"
              description={description ?? 'minute hour day-of-month month day-of-week, in the schedule’s time zone'}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              data-testid="schedule-cron"
              {...field('expression')}
            />
          ) : (
            <SimpleGrid cols={frequency === 'monthly' ? 2 : 1} spacing="sm">
              {frequency === 'monthly' && (
                <Select label="Day of the month" data={monthDays} allowDeselect={false} {...field('monthDay')} description={form.values.monthDay === '31' || form.values.monthDay === '30' || form.values.monthDay === '29' ? 'Shorter months send on their last day' : undefined} />
              )}
              <TimeInput label="Time of day" leftSection={<IconClock size={16} />} data-testid="schedule-time-of-day" {...field('time')} />
            </SimpleGrid>
          )}
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <DateTimePicker label="Starts (optional)" placeholder="Right away" valueFormat="YYYY-MM-DD HH:mm" clearable {...field('startsAt')} popoverProps={{ withinPortal: true }} />
            <DateTimePicker label="Ends (optional)" placeholder="Never" valueFormat="YYYY-MM-DD HH:mm" clearable {...field('endsAt')} popoverProps={{ withinPortal: true }} />
          </SimpleGrid>
        </Stack>
      )}
    </Stack>
  );
}
