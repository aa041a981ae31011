import { Box, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { QueueStats } from '@herald/shared';
import type { ReactNode } from 'react';
import { channelIcons, channelLabels } from '../../components/badges.tsx';
import { useIsMobile } from '../../lib/use-is-mobile.ts';
import { PriorityBadge } from './PriorityBadge.tsx';

type PriorityRow = QueueStats['byPriority'][number];
type ChannelRow = QueueStats['byChannel'][number];
type CountColumn<T> = { key: string; header: string; value: (row: T) => number; color?: string };

const formatCount = (value: number, color?: string) =>
  value === 0 ? <Text span fz="sm" c="dimmed">0</Text> : <Text span fz="sm" c={color}>{value.toLocaleString()}</Text>;

/**
 * A small matrix of counts: a table on every screen (a few short numeric columns fit a phone,
 * where a card per row would make a long scroll of zeros).
 */
function CountsTable<T>({ title, rowHeading, rows, rowKey, rowHeader, columns, testId, note }: {
  title: string;
  rowHeading: string;
  rows: T[];
  rowKey: (row: T) => string;
  rowHeader: (row: T) => ReactNode;
  columns: CountColumn<T>[];
  testId: string;
  /** what a column counts, when its header cannot say it all */
  note?: string;
}) {
  // Tighter on phones, so six columns fit a phone's width without scrolling sideways.
  const spacing = useIsMobile() ? 4 : 8;
  return (
    <Stack gap="sm" component="section" aria-label={title}>
      <Title order={2} fz="md">{title}</Title>
      <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
        <Table.ScrollContainer minWidth={320} type="native">
          <Table verticalSpacing={8} horizontalSpacing={spacing} data-testid={testId}>
            <Table.Thead bg="var(--mantine-color-gray-0)">
              <Table.Tr>
                <Table.Th fz="xs" c="dimmed" fw={600}>{rowHeading}</Table.Th>
                {columns.map((column) => <Table.Th key={column.key} ta="right" fz="xs" c="dimmed" fw={600}>{column.header}</Table.Th>)}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={rowKey(row)}>
                  <Table.Th scope="row" fw={400}>{rowHeader(row)}</Table.Th>
                  {columns.map((column) => <Table.Td key={column.key} ta="right">{formatCount(column.value(row), column.color)}</Table.Td>)}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      {note && <Text fz="xs" c="dimmed">{note}</Text>}
    </Stack>
  );
}

const priorityColumns: CountColumn<PriorityRow>[] = [
  { key: 'queued', header: 'Queued', value: (row) => row.queued },
  { key: 'due', header: 'Due now', value: (row) => row.due },
  { key: 'deferred', header: 'Held back', value: (row) => row.deferred, color: 'orange.8' },
  { key: 'retrying', header: 'Retrying', value: (row) => row.retrying, color: 'orange.8' },
  { key: 'sending', header: 'Sending', value: (row) => row.sending },
];

const channelColumns: CountColumn<ChannelRow>[] = [
  { key: 'waiting', header: 'Waiting', value: (row) => row.waiting },
  { key: 'delivered', header: 'Delivered', value: (row) => row.delivered },
  { key: 'sentLastHour', header: 'Sent 1 h', value: (row) => row.sentLastHour },
  { key: 'retriedLastHour', header: 'Retried 1 h', value: (row) => row.retriedLastHour, color: 'orange.8' },
  { key: 'failedLastHour', header: 'Failed 1 h', value: (row) => row.failedLastHour, color: 'red.7' },
];

function ChannelName({ channel }: { channel: ChannelRow['channel'] }) {
  const Icon = channelIcons[channel];
  // The icon gives way on phones, where the columns need every pixel.
  return <Group gap={6} wrap="nowrap"><Box visibleFrom="xs" display="flex"><Icon size={16} /></Box><Text fz="sm" fw={500}>{channelLabels[channel]}</Text></Group>;
}

/**
 * The waiting work by priority: what is due, what the limits, the cap and quiet hours hold
 * back, what waits to be tried again, what is in hand.
 */
export function PriorityBreakdown({ rows }: { rows: PriorityRow[] }) {
  return (
    <CountsTable
      title="By priority"
      rowHeading="Priority"
      rows={rows}
      rowKey={(row) => row.priority}
      rowHeader={(row) => <PriorityBadge priority={row.priority} />}
      columns={priorityColumns}
      testId="queue-by-priority"
      note="Held back: queued for later by a rate limit, the frequency cap or the recipient's quiet hours. Retrying: a send failed and will be tried again after a pause."
    />
  );
}

/** Each channel: deliveries waiting to try it, delivered by it, and its last hour. */
export function ChannelBreakdown({ rows }: { rows: ChannelRow[] }) {
  return (
    <CountsTable
      title="By channel"
      rowHeading="Channel"
      rows={rows}
      rowKey={(row) => row.channel}
      rowHeader={(row) => <ChannelName channel={row.channel} />}
      columns={channelColumns}
      testId="queue-by-channel"
      note="Retried: sends that failed and will be tried again. Failed: sends that failed for good, on to the next channel or the dead letters."
    />
  );
}
