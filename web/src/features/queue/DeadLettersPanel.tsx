import { Anchor, Button, Group, Select, Stack, Text, Title, Tooltip } from '@mantine/core';
import { IconMailCheck, IconRefresh } from '@tabler/icons-react';
import type { Channel, DeadLetter } from '@herald/shared';
import { useState } from 'react';
import { Link } from 'react-router';
import { usePermissions } from '../../auth/use-me.ts';
import { ChannelBadges, channelLabels, channelOrder } from '../../components/badges.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Empty } from '../../components/Empty.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatDateTime, formatRelative } from '../../lib/time.ts';
import { useDeadLetters, useRetryDeadLetter, useRetryDeadLetters } from './api.ts';
import { PriorityBadge } from './PriorityBadge.tsx';

const pageSize = 25;

const columns: Column<DeadLetter>[] = [
  {
    key: 'schedule',
    header: 'Schedule',
    isPrimary: true,
    render: (letter) => <Anchor component={Link} to={`/schedules/${letter.scheduleId}`} fz="sm" fw={500}>{letter.scheduleName}</Anchor>,
  },
  { key: 'recipient', header: 'Recipient', render: (letter) => <Text fz="sm" ff="monospace" truncate maw={180}>{letter.recipientExternalId}</Text> },
  { key: 'channels', header: 'Channels', render: (letter) => <div style={{ minWidth: 'max-content' }}><ChannelBadges channels={letter.channels as Channel[]} /></div> },
  { key: 'attempts', header: 'Tries', align: 'right', render: (letter) => letter.attempts.toLocaleString() },
  {
    key: 'reason',
    header: 'Reason',
    render: (letter) => <Text fz="sm" c="red.8" style={{ overflowWrap: 'anywhere' }} data-testid="dead-letter-reason">{letter.reason}</Text>,
  },
  { key: 'priority', header: 'Priority', render: (letter) => <PriorityBadge priority={letter.priority} /> },
  {
    key: 'failedAt',
    header: 'Failed',
    render: (letter) => <Tooltip label={formatDateTime(letter.failedAt)}><Text fz="sm" span style={{ whiteSpace: 'nowrap' }}>{formatRelative(letter.failedAt)}</Text></Tooltip>,
  },
];

const channelFilterOptions = [{ value: '', label: 'All channels' }, ...channelOrder.map((channel) => ({ value: channel, label: channelLabels[channel] }))];

/** Deliveries that failed for good, with why, and a way to send them again (one, or every one shown). */
export function DeadLettersPanel() {
  const { canWrite } = usePermissions();
  const [channel, setChannel] = useState<Channel | ''>('');
  const [offset, setOffset] = useState(0);
  const letters = useDeadLetters({ channel: channel || undefined, limit: pageSize, offset });
  const retryOne = useRetryDeadLetter();
  const retryMany = useRetryDeadLetters();
  const shown = letters.data?.items ?? [];
  // Retrying empties pages: past the end, step back to the last page that has some.
  if (letters.data && offset > 0 && offset >= letters.data.total) setOffset(Math.max(0, Math.ceil(letters.data.total / pageSize) - 1) * pageSize);

  const retry = (letter: DeadLetter) =>
    retryOne.mutate(letter.id, {
      onSuccess: () => notifySuccess(`Delivery to ${letter.recipientExternalId} is queued again`),
      onError: (error) => notifyError(error, 'Not queued again'),
    });
  const retryShown = () =>
    retryMany.mutate({ ids: shown.map((letter) => letter.id) }, {
      onSuccess: ({ retried }) => notifySuccess(`${retried.toLocaleString()} ${retried === 1 ? 'delivery' : 'deliveries'} queued again`),
      onError: (error) => notifyError(error, 'Not queued again'),
    });

  return (
    <Stack gap="sm" component="section" aria-label="Dead letters">
      <Group justify="space-between" gap="sm" align="flex-end">
        <Stack gap={0} style={{ flex: '1 1 200px' }}>
          <Title order={2} fz="md">Dead letters</Title>
          <Text fz="xs" c="dimmed">
            Deliveries that failed on every channel and try{letters.data ? ` · ${letters.data.total.toLocaleString()} in all` : ''}. Sending one again puts it back in the queue due now.
          </Text>
        </Stack>
        <Group gap="xs" wrap="nowrap">
          <Select
            aria-label="Filter dead letters by channel"
            data={channelFilterOptions}
            value={channel}
            onChange={(value) => {
              setChannel((value ?? '') as Channel | '');
              setOffset(0);
            }}
            allowDeselect={false}
            w={150}
          />
          {canWrite && (
            <Button
              variant="light"
              leftSection={<IconRefresh size={16} />}
              disabled={shown.length === 0}
              loading={retryMany.isPending}
              onClick={retryShown}
              data-testid="retry-shown"
            >
              Retry all shown
            </Button>
          )}
        </Group>
      </Group>
      {letters.isError ? (
        <QueryError error={letters.error} what="the dead letters" onRetry={() => void letters.refetch()} />
      ) : letters.data && letters.data.total === 0 ? (
        <Empty
          icon={<IconMailCheck size={28} />}
          title={channel ? `No dead letters on ${channelLabels[channel]}` : 'No dead letters'}
          description="Every delivery either went out or is still being tried."
        />
      ) : (
        <>
          <DataTable
            rows={letters.data?.items}
            columns={columns}
            rowKey={(letter) => letter.id}
            isLoading={letters.isPending}
            rowLabel={(letter) => `Dead letter to ${letter.recipientExternalId}`}
            minWidth={900}
            testId="dead-letters"
            actions={canWrite ? (letter) => (
              <Button
                size="xs"
                variant="default"
                leftSection={<IconRefresh size={14} />}
                loading={retryOne.isPending && retryOne.variables === letter.id}
                onClick={() => retry(letter)}
                aria-label={`Retry the delivery to ${letter.recipientExternalId}`}
              >
                Retry
              </Button>
            ) : undefined}
          />
          {letters.data && <Pager total={letters.data.total} limit={pageSize} offset={offset} onOffsetChange={setOffset} noun="dead letters" />}
        </>
      )}
    </Stack>
  );
}
