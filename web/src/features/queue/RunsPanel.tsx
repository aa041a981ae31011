import { Anchor, Group, Paper, Progress, Stack, Text, Title, Tooltip } from '@mantine/core';
import type { QueueStats } from '@herald/shared';
import { Link } from 'react-router';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { PriorityBadge } from './PriorityBadge.tsx';
import { finishText, formatRate, runShare } from './queue-view.ts';

type Run = QueueStats['runs'][number];

const columns: Column<Run>[] = [
  {
    key: 'schedule',
    header: 'Schedule',
    isPrimary: true,
    render: (run) => <Anchor component={Link} to={`/schedules/${run.scheduleId}`} fz="sm" fw={500}>{run.scheduleName}</Anchor>,
  },
  { key: 'priority', header: 'Priority', render: (run) => <PriorityBadge priority={run.priority} /> },
  {
    key: 'progress',
    header: 'Progress',
    width: 220,
    render: (run) => (
      <Stack gap={2} miw={140}>
        <Progress value={runShare(run)} size="sm" radius="xl" animated aria-label={`${run.done} of ${run.done + run.remaining} done`} />
        <Text fz="xs" c="dimmed">{run.done.toLocaleString()} done · {run.remaining.toLocaleString()} to go</Text>
      </Stack>
    ),
  },
  {
    key: 'rate',
    header: 'Allowed rate',
    align: 'right',
    render: (run) => <Tooltip label="The slowest rate limit this run is under"><span>{formatRate(run.allowedRatePerSecond)}</span></Tooltip>,
  },
  {
    key: 'finish',
    header: 'Projected finish',
    align: 'right',
    render: (run) => (
      <Tooltip label={run.projectedFinishAt ? formatDateTime(run.projectedFinishAt) : 'No limit bounds it and nothing was sent lately to go by'}>
        <Text fz="sm" span data-testid="run-finish">{finishText(run)}</Text>
      </Tooltip>
    ),
  },
];

/** The runs still sending, how far along each is, and when it should be done given the limits. */
export function RunsPanel({ runs }: { runs: Run[] }) {
  return (
    <Stack gap="sm" component="section" aria-label="Running runs">
      <Group justify="space-between" gap="xs">
        <Title order={2} fz="md">Running</Title>
        <Text fz="xs" c="dimmed">{runs.length === 0 ? 'nothing sending' : `${runs.length} run${runs.length === 1 ? '' : 's'} sending`}</Text>
      </Group>
      {runs.length === 0 ? (
        <Paper withBorder radius="lg" p="md"><Text fz="sm" c="dimmed">No run is sending right now. Runs appear here while they have deliveries to send.</Text></Paper>
      ) : (
        <DataTable rows={runs} columns={columns} rowKey={(run) => run.runId} rowLabel={(run) => `Run of ${run.scheduleName}`} minWidth={720} testId="queue-runs" />
      )}
    </Stack>
  );
}
