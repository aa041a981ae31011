import { Alert, Group, Loader, Paper, Skeleton, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconAlertTriangle, IconCalendarEvent } from '@tabler/icons-react';
import type { TimingPreview } from '@herald/shared';
import { browserTimeZone, formatDateTime, formatRelative } from '../../lib/time.ts';

type NextRunsPanelProps = {
  timezone: string;
  preview: TimingPreview | undefined;
  isFetching: boolean;
  /** a message when the preview cannot be computed (incomplete timing, or the server said why) */
  problem: string | null;
};

/** The next send times of the timing being edited, in the schedule's zone and the viewer's. */
export function NextRunsPanel({ timezone, preview, isFetching, problem }: NextRunsPanelProps) {
  const localZone = browserTimeZone();
  const isOtherZone = localZone !== timezone;
  return (
    <Paper withBorder radius="lg" p="md" bg="var(--mantine-color-herald-0)" style={{ borderColor: 'var(--mantine-color-herald-2)' }} data-testid="next-runs">
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Group gap={8} wrap="nowrap">
            <ThemeIcon variant="light" radius="md"><IconCalendarEvent size={16} /></ThemeIcon>
            <Text fw={600} fz="sm">Next send times</Text>
          </Group>
          {isFetching && <Loader size="xs" aria-label="Computing send times" />}
        </Group>
        {problem ? (
          <Alert color="orange" variant="light" py={8} icon={<IconAlertTriangle size={16} />}>{problem}</Alert>
        ) : !preview ? (
          <Stack gap={6}>{[0, 1, 2].map((i) => <Skeleton key={i} h={16} />)}</Stack>
        ) : (
          <>
            <Text fz="sm" data-testid="timing-description">{preview.description}</Text>
            {preview.occurrences.length === 0 ? (
              <Text fz="sm" c="dimmed">It will not send again.</Text>
            ) : (
              <Stack gap={6} component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                {preview.occurrences.map((at) => (
                  <li key={at}>
                    <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
                      <Stack gap={0} style={{ minWidth: 0 }}>
                        <Text fz="sm" fw={500}>{formatDateTime(at, timezone)}</Text>
                        {isOtherZone && <Text fz="xs" c="dimmed">{formatDateTime(at, localZone, true)} your time</Text>}
                      </Stack>
                      <Text fz="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>{formatRelative(at)}</Text>
                    </Group>
                  </li>
                ))}
              </Stack>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
