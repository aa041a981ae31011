import { Anchor, Badge, Button, Group, Menu, Paper, SimpleGrid, Skeleton, Stack, Text, Title, ActionIcon } from '@mantine/core';
import { IconArrowLeft, IconCalendarTime, IconDots, IconPencil, IconPlayerPause, IconPlayerPlay, IconSend, IconTrash } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Audience, Run, Schedule } from '@herald/shared';
import { usePermissions } from '../../auth/use-me.ts';
import { ChannelBadges, StatusBadge } from '../../components/badges.tsx';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { describeRateLimit, describeRetryDelays } from '../delivery/limit-drafts.ts';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Empty } from '../../components/Empty.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { ApiError } from '../../lib/api.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatDateTime, formatRelative } from '../../lib/time.ts';
import { runsPageSize, useDeleteSchedule, useRuns, useSchedule, useSendNow, useSetScheduleStatus, type StatusAction } from './api.ts';
import { ChannelComparison } from './ChannelComparison.tsx';
import { HistoryPanel } from './HistoryPanel.tsx';
import { PauseModal } from './PauseModal.tsx';
import { DeliveriesPanel } from './DeliveriesPanel.tsx';
import { RunProgress } from './RunProgress.tsx';
import { ScheduleModal } from './ScheduleModal.tsx';
import { useSegmentOptions } from './segments-api.ts';

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>{label}</Text>
      <Text fz="sm" component="div">{children}</Text>
    </Stack>
  );
}

function AudienceText({ audience }: { audience: Audience }) {
  const segments = useSegmentOptions(audience.type === 'segment');
  switch (audience.type) {
    case 'all':
      return 'All users';
    case 'active':
      return 'Active users';
    case 'test':
      return `Test list (${audience.recipientIds.length} ${audience.recipientIds.length === 1 ? 'recipient' : 'recipients'})`;
    case 'segment': {
      const name = segments.data?.items.find((segment) => segment.id === audience.segmentId)?.name;
      return <>Segment <Anchor component={Link} to={`/segments/${audience.segmentId}`} fz="sm">{name ?? 'saved segment'}</Anchor></>;
    }
  }
}

const triggerLabels: Record<Run['trigger'], string> = { scheduled: 'Scheduled', manual: 'Send now', 'catch-up': 'Catch-up' };

const runColumns: Column<Run>[] = [
  {
    key: 'time',
    header: 'Time',
    isPrimary: true,
    render: (run) => (
      <Stack gap={0}>
        <Text fz="sm" fw={500} style={{ whiteSpace: 'nowrap' }}>{formatDateTime(run.occurrenceAt)}</Text>
        <Text fz="xs" c="dimmed">{formatRelative(run.firedAt)}</Text>
      </Stack>
    ),
  },
  { key: 'trigger', header: 'Trigger', render: (run) => <Badge variant="outline" color="gray" radius="sm" tt="none" fw={500}>{triggerLabels[run.trigger]}</Badge> },
  { key: 'status', header: 'Status', render: (run) => <StatusBadge status={run.status} /> },
  { key: 'audience', header: 'Audience', align: 'right', render: (run) => run.audienceSize.toLocaleString() },
  { key: 'progress', header: 'Deliveries', width: 280, render: (run) => <RunProgress run={run} /> },
];

function DetailsSkeleton() {
  return (
    <Stack gap="lg">
      <Skeleton h={28} w={280} />
      <Skeleton h={160} radius="lg" />
      <Skeleton h={220} radius="lg" />
    </Stack>
  );
}

function ScheduleDetails({ schedule }: { schedule: Schedule }) {
  const { canWrite } = usePermissions();
  const navigate = useNavigate();
  const [isEditing, setEditing] = useState(false);
  const [isDeleting, setDeleting] = useState(false);
  const [runOffset, setRunOffset] = useState(0);
  const [chosenRunId, setChosenRunId] = useState<string | null>(null);
  const runs = useRuns(schedule.id, runOffset);
  const sendNow = useSendNow();
  const setStatus = useSetScheduleStatus();
  const [isPausing, setPausing] = useState(false);
  const remove = useDeleteSchedule();
  const selectedRun = runs.data?.items.find((run) => run.id === chosenRunId) ?? runs.data?.items[0] ?? null;
  const canPause = schedule.status !== 'completed';

  const fireNow = () =>
    sendNow.mutate(schedule.id, {
      onSuccess: (result) => {
        const run = 'run' in result ? result.run : result;
        setRunOffset(0);
        setChosenRunId(run.id ?? null);
        notifySuccess('Sending now: watch the run below');
      },
      onError: (error) => notifyError(error, 'Not sent'),
    });

  const changeStatus = (action: StatusAction, reason?: string) =>
    setStatus.mutate(
      { id: schedule.id, action, reason },
      {
        onSuccess: () => {
          setPausing(false);
          notifySuccess(action === 'pause' ? 'Paused: it will not send until resumed' : 'Resumed');
        },
        onError: (error) => notifyError(error, action === 'pause' ? 'Not paused' : 'Not resumed', error instanceof ApiError ? error.issues : undefined),
      },
    );
  const toggleStatus = () => (schedule.status === 'paused' ? changeStatus('resume') : setPausing(true));

  return (
    <Stack gap="lg">
      <Anchor component={Link} to="/schedules" fz="sm" c="dimmed" w="fit-content">
        <Group gap={4}><IconArrowLeft size={14} />Schedules</Group>
      </Anchor>
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4} style={{ flex: '1 1 260px', minWidth: 0 }}>
          <Group gap="sm" wrap="wrap">
            <Title order={1} fz={{ base: 'h3', sm: 'h2' }} style={{ overflowWrap: 'anywhere' }}>{schedule.name}</Title>
            <StatusBadge status={schedule.status} size="md" />
          </Group>
          <Text c="dimmed" fz="sm">{schedule.description}</Text>
        </Stack>
        {canWrite && (
          <Group gap="xs">
            <Button leftSection={<IconSend size={16} />} onClick={fireNow} loading={sendNow.isPending}>Send now</Button>
            <Button variant="default" leftSection={<IconPencil size={16} />} onClick={() => setEditing(true)}>Edit</Button>
            <Menu position="bottom-end" shadow="md">
              <Menu.Target>
                <ActionIcon variant="default" size="lg" aria-label="More actions"><IconDots size={16} /></ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                {canPause && (
                  <Menu.Item leftSection={schedule.status === 'paused' ? <IconPlayerPlay size={16} /> : <IconPlayerPause size={16} />} onClick={toggleStatus} disabled={setStatus.isPending}>
                    {schedule.status === 'paused' ? 'Resume' : 'Pause'}
                  </Menu.Item>
                )}
                <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleting(true)}>Delete</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        )}
      </Group>

      <Paper withBorder radius="lg" p={{ base: 'md', sm: 'lg' }}>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="lg" verticalSpacing="md">
          <Detail label="Template">{schedule.templateName}</Detail>
          <Detail label="Time zone">{schedule.timezone}</Detail>
          <Detail label="Next run">
            {schedule.nextRunAt ? <>{formatDateTime(schedule.nextRunAt, schedule.timezone)} <Text span fz="xs" c="dimmed">({formatRelative(schedule.nextRunAt)})</Text></> : '—'}
          </Detail>
          <Detail label="Last run">{schedule.lastRunAt ? <>{formatDateTime(schedule.lastRunAt, schedule.timezone)} <Text span fz="xs" c="dimmed">({formatRelative(schedule.lastRunAt)})</Text></> : 'Not yet'}</Detail>
          <Detail label="Audience"><AudienceText audience={schedule.audience} /></Detail>
          <Detail label="Channels">
            <Stack gap={4}>
              <ChannelBadges channels={schedule.channels} isFallback={schedule.channelMode === 'fallback'} />
              <Text fz="xs" c="dimmed">{schedule.channelMode === 'fallback' ? 'The first that works, in this order' : 'Every channel the recipient can receive'}</Text>
            </Stack>
          </Detail>
          <Detail label="Priority"><Text fz="sm" tt="capitalize">{schedule.priority}</Text></Detail>
          <Detail label="Created">{formatDateTime(schedule.createdAt)}</Detail>
          <Detail label="Rate limit">
            {schedule.rateLimit ? describeRateLimit(schedule.rateLimit) : <Text span fz="sm" c="dimmed">Only the limits in Settings</Text>}
          </Detail>
          <Detail label="Retries">
            {schedule.retryPolicy
              ? `${schedule.retryPolicy.maxAttempts} ${schedule.retryPolicy.maxAttempts === 1 ? 'attempt' : 'attempts'}. ${describeRetryDelays(schedule.retryPolicy)}`
              : <Text span fz="sm" c="dimmed">Each channel's policy from Settings</Text>}
          </Detail>
        </SimpleGrid>
      </Paper>

      <Stack gap="sm">
        <Title order={2} fz="lg">Runs</Title>
        {runs.isError ? (
          <QueryError error={runs.error} what="runs" onRetry={() => void runs.refetch()} />
        ) : runs.data && runs.data.total === 0 ? (
          <Empty
            icon={<IconCalendarTime size={28} />}
            title="No runs yet"
            description={schedule.nextRunAt ? `The first run is ${formatRelative(schedule.nextRunAt)}, ${formatDateTime(schedule.nextRunAt)}.` : 'This schedule has no run ahead.'}
            action={canWrite && <Button variant="light" leftSection={<IconSend size={16} />} onClick={fireNow} loading={sendNow.isPending}>Send now</Button>}
          />
        ) : (
          <>
            <DataTable
              rows={runs.data?.items}
              isLoading={runs.isPending}
              columns={runColumns}
              rowKey={(run) => run.id}
              rowLabel={(run) => `Run of ${formatDateTime(run.occurrenceAt)}${run.id === selectedRun?.id ? ' (selected)' : ''}`}
              onRowClick={(run) => setChosenRunId(run.id)}
              minWidth={760}
              testId="runs-table"
            />
            {runs.data && <Pager total={runs.data.total} limit={runsPageSize} offset={runOffset} onOffsetChange={setRunOffset} noun="runs" />}
          </>
        )}
      </Stack>

      {selectedRun && <DeliveriesPanel key={selectedRun.id} scheduleId={schedule.id} run={selectedRun} />}

      <ChannelComparison scheduleId={schedule.id} />
      <HistoryPanel scheduleId={schedule.id} />

      <PauseModal opened={isPausing} what={schedule.name} isPending={setStatus.isPending} onClose={() => setPausing(false)} onConfirm={(reason) => changeStatus('pause', reason || undefined)} />

      <ScheduleModal opened={isEditing} schedule={schedule} onClose={() => setEditing(false)} />
      <ConfirmModal
        opened={isDeleting}
        title="Delete schedule?"
        confirmLabel="Delete schedule"
        isPending={remove.isPending}
        onClose={() => setDeleting(false)}
        onConfirm={() =>
          remove.mutate(schedule.id, {
            onSuccess: () => {
              notifySuccess(`Deleted "${schedule.name}"`);
              void navigate('/schedules');
            },
            onError: (error) => notifyError(error, 'Not deleted'),
          })
        }
      >
        Delete <b>{schedule.name}</b>? It will not send again. This cannot be undone.
      </ConfirmModal>
    </Stack>
  );
}

/** One schedule: its details, actions (send now, edit, pause, delete), runs, and a run's deliveries. */
export function SchedulePage() {
  const { id } = useParams();
  const schedule = useSchedule(id);
  if (schedule.isPending) return <DetailsSkeleton />;
  if (schedule.isError) {
    const isMissing = schedule.error instanceof ApiError && schedule.error.status === 404;
    return isMissing ? (
      <Empty icon={<IconCalendarTime size={28} />} title="This schedule does not exist" description="It may have been deleted." action={<Button component={Link} to="/schedules">All schedules</Button>} />
    ) : (
      <QueryError error={schedule.error} what="the schedule" onRetry={() => void schedule.refetch()} />
    );
  }
  return <ScheduleDetails schedule={schedule.data} />;
}
