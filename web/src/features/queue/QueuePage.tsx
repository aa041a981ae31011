import { Anchor, Grid, Group, Loader, Paper, SimpleGrid, Skeleton, Stack, Text, Title, Tooltip } from '@mantine/core';
import type { QueueStats } from '@herald/shared';
import { Link } from 'react-router';
import { statusColor } from '../../components/badges.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { formatDelay } from '../delivery/limit-drafts.ts';
import { queueRefreshMs, useQueueStats } from './api.ts';
import { DeadLettersPanel } from './DeadLettersPanel.tsx';
import { PriorityBadge } from './PriorityBadge.tsx';
import { ChannelBreakdown, PriorityBreakdown } from './QueueBreakdowns.tsx';
import { statusTiles } from './queue-view.ts';
import { RunsPanel } from './RunsPanel.tsx';
import { ThroughputChart } from './ThroughputChart.tsx';

function StatusTiles({ byStatus }: { byStatus: QueueStats['byStatus'] }) {
  return (
    <SimpleGrid cols={{ base: 2, xs: 3, lg: 6 }} spacing="sm" aria-label="Deliveries by status" role="list">
      {statusTiles.map(({ status, label, hint }) => (
        <Tooltip key={status} label={hint}>
          <Paper withBorder radius="lg" p="sm" role="listitem" aria-label={`${label}: ${byStatus[status]}`} data-testid={`status-${status}`}>
            <Text fz="xs" c="dimmed" tt="uppercase" fw={600} lts={0.3}>{label}</Text>
            <Text fz={24} fw={700} lh={1.3} c={byStatus[status] > 0 && status !== 'queued' ? `${statusColor(status)}.7` : undefined}>{byStatus[status].toLocaleString()}</Text>
          </Paper>
        </Tooltip>
      ))}
    </SimpleGrid>
  );
}

function OldestWaiting({ oldest }: { oldest: QueueStats['oldestWaiting'] }) {
  return (
    <Paper withBorder radius="lg" p="md" component="section" aria-label="Oldest waiting" h="100%">
      <Title order={2} fz="md" mb="xs">Oldest waiting</Title>
      {oldest === null ? (
        <Text fz="sm" c="dimmed">Nothing is overdue: every queued delivery is waiting for its send time, a free slot under a limit or the end of its recipient's quiet hours.</Text>
      ) : (
        <Stack gap={6} data-testid="oldest-waiting">
          <Text fz={28} fw={700} lh={1.2}>{formatDelay(oldest.waitingSeconds)}</Text>
          <Text fz="sm" c="dimmed">past its due time ({formatDateTime(oldest.dueAt)})</Text>
          <Group gap="xs">
            <PriorityBadge priority={oldest.priority} />
            <Anchor component={Link} to={`/schedules/${oldest.scheduleId}`} fz="sm">Open its schedule</Anchor>
          </Group>
          <Text fz="xs" c="dimmed">Delivery #{oldest.deliveryId}. A long wait means a rate limit or the frequency cap is holding the queue, or no worker is running.</Text>
        </Stack>
      )}
    </Paper>
  );
}

/** The delivery queue at a glance, read again every few seconds: counts, throughput, running runs, dead letters. */
export function QueuePage() {
  const stats = useQueueStats();
  const data = stats.data;
  return (
    <>
      <PageHeader
        title="Queue"
        description="What is waiting, what is sending, how fast, and what failed for good."
        actions={data && (
          <Group gap={6} wrap="nowrap" aria-live="polite">
            {stats.isFetching ? <Loader size={12} /> : <span style={{ width: 12, height: 12, borderRadius: 6, background: 'var(--mantine-color-teal-5)', display: 'inline-block' }} />}
            <Text fz="xs" c="dimmed">Updated {new Date(data.at).toLocaleTimeString()} · every {queueRefreshMs / 1000} s</Text>
          </Group>
        )}
      />
      {stats.isError && !data ? (
        <QueryError error={stats.error} what="the queue" onRetry={() => void stats.refetch()} />
      ) : !data ? (
        <Stack gap="md">
          <Skeleton h={80} radius="lg" />
          <Skeleton h={280} radius="lg" />
        </Stack>
      ) : (
        <Stack gap="xl">
          <StatusTiles byStatus={data.byStatus} />
          <Grid gap="md">
            <Grid.Col span={{ base: 12, md: 8 }}><ThroughputChart throughput={data.throughput} /></Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}><OldestWaiting oldest={data.oldestWaiting} /></Grid.Col>
          </Grid>
          <RunsPanel runs={data.runs} />
          <Grid gap="md">
            <Grid.Col span={{ base: 12, md: 6 }}><PriorityBreakdown rows={data.byPriority} /></Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}><ChannelBreakdown rows={data.byChannel} /></Grid.Col>
          </Grid>
          <DeadLettersPanel />
        </Stack>
      )}
    </>
  );
}
