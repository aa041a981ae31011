import { Group, Progress, Stack, Text, Tooltip } from '@mantine/core';
import type { Run } from '@herald/shared';
import { statusColor } from '../../components/badges.tsx';

const order = ['sent', 'failed', 'skipped', 'cancelled', 'sending', 'queued'] as const;

/** How a run's deliveries stand, as a stacked bar with the counts under it. */
export function RunProgress({ run }: { run: Run }) {
  const counts = run.counts as Partial<Record<(typeof order)[number], number>>;
  const total = Math.max(run.audienceSize, order.reduce((sum, status) => sum + (counts[status] ?? 0), 0));
  const present = order.filter((status) => (counts[status] ?? 0) > 0);
  return (
    <Stack gap={4} miw={160}>
      <Progress.Root size="md" radius="xl" aria-label={`Deliveries: ${present.map((status) => `${counts[status]} ${status}`).join(', ') || 'none'}`}>
        {total > 0 && present.map((status) => (
          <Tooltip key={status} label={`${counts[status]} ${status}`}>
            <Progress.Section value={((counts[status] ?? 0) / total) * 100} color={status === 'queued' ? 'gray.4' : statusColor(status)} animated={status === 'sending' || (status === 'queued' && run.status === 'sending')} striped={status === 'queued'} />
          </Tooltip>
        ))}
      </Progress.Root>
      <Group gap={8}>
        {present.length === 0 ? (
          <Text fz="xs" c="dimmed">No deliveries</Text>
        ) : (
          present.map((status) => (
            <Text key={status} fz="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              <Text span fz="xs" fw={600} c={status === 'queued' ? undefined : `${statusColor(status)}.7`}>{counts[status]}</Text> {status}
            </Text>
          ))
        )}
      </Group>
    </Stack>
  );
}
