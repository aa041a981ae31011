import { Paper, Skeleton, Stack, Text, Timeline, Title } from '@mantine/core';
import { useState } from 'react';
import type { ScheduleHistoryEntry } from '@herald/shared';
import { Pager } from '../../components/Pager.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime, formatRelative } from '../../lib/time.ts';
import { historyPageSize, useScheduleHistory } from './api.ts';

const actionLabels: Record<string, string> = {
  created: 'Created',
  updated: 'Edited',
  paused: 'Paused',
  resumed: 'Resumed',
  run_now: 'Sent now',
};

function label(entry: ScheduleHistoryEntry): string {
  return actionLabels[entry.action] ?? entry.action.replaceAll('_', ' ');
}

/** Who did what to a schedule and when, with the reason given for a pause. */
export function HistoryPanel({ scheduleId }: { scheduleId: string }) {
  const [offset, setOffset] = useState(0);
  const history = useScheduleHistory(scheduleId, offset);
  return (
    <Stack gap="sm">
      <Title order={2} fz="lg">History</Title>
      {history.isError ? (
        <QueryError error={history.error} what="the history" onRetry={() => void history.refetch()} />
      ) : history.isPending ? (
        <Skeleton h={120} radius="lg" />
      ) : (
        <Paper withBorder radius="lg" p={{ base: 'md', sm: 'lg' }}>
          <Timeline bulletSize={12} lineWidth={2} data-testid="schedule-history">
            {history.data.items.map((entry) => (
              <Timeline.Item key={entry.id} title={<Text fz="sm" fw={600}>{label(entry)}</Text>}>
                <Text fz="xs" c="dimmed">
                  {formatDateTime(entry.occurredAt)} ({formatRelative(entry.occurredAt)}){entry.userEmail ? ` · ${entry.userEmail}` : ''}
                </Text>
                {entry.reason && <Text fz="sm" mt={4}>“{entry.reason}”</Text>}
              </Timeline.Item>
            ))}
          </Timeline>
          <Pager total={history.data.total} limit={historyPageSize} offset={offset} onOffsetChange={setOffset} noun="entries" />
        </Paper>
      )}
    </Stack>
  );
}
