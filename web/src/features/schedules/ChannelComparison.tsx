import { Paper, Progress, Skeleton, Stack, Text, Title, Tooltip } from '@mantine/core';
import type { ScheduleChannelStats } from '@herald/shared';
import { channelLabels } from '../../components/badges.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { useChannelStats } from './api.ts';
import { costPerClick, isEngagementMeasured, rate } from './channel-comparison.ts';

const notMeasured = 'Not measured: Herald tracks opens and clicks in emails only';

function RateBar({ row, part, label }: { row: ScheduleChannelStats; part: number; label: string }) {
  const whole = row.sent;
  if (!isEngagementMeasured(row)) {
    return <Tooltip label={notMeasured}><Text fz="sm" c="dimmed" aria-label={notMeasured}>—</Text></Tooltip>;
  }
  return (
    <Tooltip label={`${part.toLocaleString()} of ${whole.toLocaleString()} ${label}`}>
      <Stack gap={2} miw={90}>
        <Text fz="sm">{rate(part, whole)}</Text>
        <Progress value={whole === 0 ? 0 : (part / whole) * 100} size="xs" aria-hidden />
      </Stack>
    </Tooltip>
  );
}

const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 });

const columns: Column<ScheduleChannelStats>[] = [
  { key: 'channel', header: 'Channel', isPrimary: true, render: (row) => <Text fz="sm" fw={600}>{channelLabels[row.channel]}</Text> },
  { key: 'sent', header: 'Sent', align: 'right', render: (row) => row.sent.toLocaleString() },
  { key: 'failed', header: 'Failed attempts', align: 'right', render: (row) => row.failedAttempts.toLocaleString() },
  { key: 'opened', header: 'Opened (people)', render: (row) => <RateBar row={row} part={row.humanOpened} label="sent were opened by a person" /> },
  { key: 'clicked', header: 'Clicked', render: (row) => <RateBar row={row} part={row.clicked} label="sent were clicked" /> },
  { key: 'unsubscribed', header: 'Unsubscribed', align: 'right', render: (row) => row.unsubscribed.toLocaleString() },
  { key: 'cost', header: 'Cost', align: 'right', render: (row) => money.format(row.cost) },
  { key: 'perClick', header: 'Cost per click', align: 'right', render: (row) => costPerClick(row, money.format) },
];

/** Each channel's sends, failures, opens, clicks and cost side by side, over all runs. */
export function ChannelComparison({ scheduleId }: { scheduleId: string }) {
  const stats = useChannelStats(scheduleId);
  return (
    <Stack gap="sm">
      <Title order={2} fz="lg">Channels compared</Title>
      {stats.isError ? (
        <QueryError error={stats.error} what="channel results" onRetry={() => void stats.refetch()} />
      ) : stats.isPending ? (
        <Skeleton h={120} radius="lg" />
      ) : stats.data.length === 0 ? (
        <Paper withBorder radius="lg" p="md"><Text fz="sm" c="dimmed">Nothing sent yet: each channel's results appear here after the first run.</Text></Paper>
      ) : (
        <DataTable rows={stats.data} columns={columns} rowKey={(row) => row.channel} minWidth={760} testId="channel-comparison" />
      )}
    </Stack>
  );
}
