import { Badge, Group, Paper, Select, Stack, Text, Title, Tooltip } from '@mantine/core';
import { IconInbox } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { Delivery, Run } from '@herald/shared';
import { channelLabels, StatusBadge } from '../../components/badges.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { deliveriesPageSize, useRunDeliveries } from './api.ts';
import { DeliveryTimelineDrawer } from './DeliveryTimelineDrawer.tsx';
import { deliveryWhen } from './delivery-when.ts';

const statuses = ['queued', 'sending', 'sent', 'failed', 'skipped', 'cancelled'] as const;

const recipientOf = (d: Delivery) => d.recipientEmail ?? d.recipientExternalId;

const columns: Column<Delivery>[] = [
  {
    key: 'recipient',
    header: 'Recipient',
    isPrimary: true,
    render: (d) => (
      <Stack gap={0}>
        <Text fz="sm" fw={500}>{recipientOf(d)}</Text>
        {d.recipientEmail && <Text fz="xs" c="dimmed" ff="monospace">{d.recipientExternalId}</Text>}
      </Stack>
    ),
  },
  { key: 'status', header: 'Status', render: (d) => <StatusBadge status={d.status} /> },
  {
    key: 'channel',
    header: 'Channel',
    render: (d) => d.channel
      ? <Badge variant="light" color="gray" tt="none" radius="sm">{channelLabels[d.channel]}</Badge>
      : <Tooltip label={`Will try ${d.channels.map((channel) => channelLabels[channel]).join(', then ')}`}><Text fz="sm" c="dimmed">—</Text></Tooltip>,
  },
  { key: 'attempts', header: 'Attempts', align: 'right', render: (d) => d.attempts },
  { key: 'reason', header: 'Reason', render: (d) => d.reason ? <Text fz="sm" c={d.status === 'failed' ? 'red.7' : undefined} maw={320} style={{ overflowWrap: 'anywhere' }}>{d.reason}</Text> : <Text span c="dimmed" fz="sm">—</Text> },
  {
    key: 'sentAt',
    header: 'Sent at',
    render: (d) => {
      const when = deliveryWhen(d);
      if (!when.isPending) return when.text;
      // the exact instant of a coming retry or hold, for whoever needs more than "in 40 seconds"
      const cell = <Text span c="dimmed" fz="sm">{when.text}</Text>;
      return d.status === 'queued' ? <Tooltip label={formatDateTime(d.dueAt)}>{cell}</Tooltip> : cell;
    },
  },
];

/** The deliveries of one run, filterable by status; refreshes itself while the run is sending. A row opens its timeline. */
export function DeliveriesPanel({ scheduleId, run }: { scheduleId: string; run: Run }) {
  const [status, setStatus] = useState<string | null>(null);
  const [offset, setOffset] = useState(0);
  const isSending = run.status === 'sending';
  const deliveries = useRunDeliveries(scheduleId, run.id, status, offset, isSending);
  // Polling stops when the run is seen complete, which may be after the last poll saw a delivery
  // still sending: read them once more then, or the list keeps that state for good.
  const wasSending = useRef(isSending);
  const { refetch } = deliveries;
  useEffect(() => {
    if (wasSending.current && !isSending) void refetch();
    wasSending.current = isSending;
  }, [isSending, refetch]);
  // The drawer keeps the delivery it shows while it slides away; the row's latest state wins while it is open.
  const [opened, setOpened] = useState<{ delivery: Delivery; isOpen: boolean } | null>(null);
  const shown = opened ? deliveries.data?.items.find((d) => d.id === opened.delivery.id) ?? opened.delivery : null;
  return (
    <Paper withBorder radius="lg" p={{ base: 'sm', sm: 'md' }} data-testid="deliveries">
      <Group justify="space-between" mb="md" gap="sm">
        <Stack gap={0}>
          <Title order={3} fz="md">Deliveries</Title>
          <Text fz="xs" c="dimmed">Run of {formatDateTime(run.occurrenceAt)}{isSending ? ' · refreshing while it sends' : ''}</Text>
        </Stack>
        <Select
          aria-label="Filter deliveries by status"
          placeholder="All statuses"
          clearable
          value={status}
          onChange={(value) => {
            setStatus(value);
            setOffset(0);
          }}
          data={statuses.map((value) => ({ value, label: `${value} (${run.counts[value] ?? 0})` }))}
          w={200}
        />
      </Group>
      {deliveries.isError ? (
        <QueryError error={deliveries.error} what="deliveries" onRetry={() => void deliveries.refetch()} />
      ) : deliveries.data && deliveries.data.total === 0 ? (
        <Stack align="center" gap={4} py="xl">
          <IconInbox size={28} color="var(--mantine-color-gray-5)" />
          <Text fz="sm" c="dimmed">{status ? `No ${status} deliveries in this run.` : 'This run has no deliveries: its audience was empty.'}</Text>
        </Stack>
      ) : (
        <>
          <DataTable
            rows={deliveries.data?.items}
            isLoading={deliveries.isPending}
            columns={columns}
            rowKey={(d) => d.id}
            rowLabel={(d) => `Delivery to ${recipientOf(d)}`}
            onRowClick={(delivery) => setOpened({ delivery, isOpen: true })}
            minWidth={820}
            testId="deliveries-table"
          />
          {deliveries.data && <Pager total={deliveries.data.total} limit={deliveriesPageSize} offset={offset} onOffsetChange={setOffset} noun="deliveries" />}
        </>
      )}
      <DeliveryTimelineDrawer scheduleId={scheduleId} delivery={shown} isOpen={opened?.isOpen ?? false} onClose={() => setOpened((last) => last && { ...last, isOpen: false })} />
    </Paper>
  );
}
