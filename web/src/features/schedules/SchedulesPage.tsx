import { Affix, Button, Checkbox, Group, Paper, SegmentedControl, Stack, Text, TextInput, Transition } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconCalendarPlus, IconCalendarTime, IconPlayerPause, IconPlayerPlay, IconSearch } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Schedule } from '@herald/shared';
import { usePermissions } from '../../auth/use-me.ts';
import { ChannelBadges, StatusBadge } from '../../components/badges.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Empty } from '../../components/Empty.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime, formatRelative } from '../../lib/time.ts';
import { useBulkScheduleStatus, useSchedules, type StatusAction } from './api.ts';
import { PauseModal } from './PauseModal.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { ScheduleModal } from './ScheduleModal.tsx';

const pageSize = 25;

function When({ iso }: { iso: string | null }) {
  if (!iso) return <Text span c="dimmed" fz="sm">—</Text>;
  return (
    <Stack gap={0} align="inherit">
      <Text fz="sm" style={{ whiteSpace: 'nowrap' }}>{formatDateTime(iso)}</Text>
      <Text fz="xs" c="dimmed">{formatRelative(iso)}</Text>
    </Stack>
  );
}

const columns: Column<Schedule>[] = [
  { key: 'name', header: 'Name', isPrimary: true, render: (s) => <Text fz="sm" fw={600}>{s.name}</Text> },
  { key: 'template', header: 'Template', render: (s) => s.templateName },
  { key: 'status', header: 'Status', render: (s) => <StatusBadge status={s.status} /> },
  { key: 'timing', header: 'When', render: (s) => <Text fz="sm" maw={280}>{s.description}</Text> },
  { key: 'next', header: 'Next run', render: (s) => <When iso={s.nextRunAt} /> },
  { key: 'last', header: 'Last run', render: (s) => <When iso={s.lastRunAt} /> },
  { key: 'channels', header: 'Channels', render: (s) => <ChannelBadges channels={s.channels} isFallback={s.channelMode === 'fallback'} /> },
];

type StatusFilter = 'all' | 'active' | 'paused' | 'completed';

/** A checkbox column that picks rows for the bulk actions; clicking it does not open the row. */
function selectionColumn(selected: Set<string>, toggle: (id: string) => void): Column<Schedule> {
  return {
    key: 'select',
    header: '',
    width: 40,
    render: (s) => (
      <Checkbox
        aria-label={`Select ${s.name}`}
        checked={selected.has(s.id)}
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => event.stopPropagation()}
        onChange={() => toggle(s.id)}
      />
    ),
  };
}

/** Pause or resume the selected schedules together; what cannot be changed is said, not hidden. */
function BulkToolbar({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const bulk = useBulkScheduleStatus();
  const [isPausing, setPausing] = useState(false);
  const noun = ids.length === 1 ? '1 schedule' : `${ids.length} schedules`;
  const run = (action: StatusAction, reason?: string) =>
    bulk.mutate({ ids, action, reason }, {
      onSuccess: (result) => {
        setPausing(false);
        const verb = action === 'pause' ? 'Paused' : 'Resumed';
        if (result.changed.length > 0) notifySuccess(`${verb} ${result.changed.length === 1 ? '1 schedule' : `${result.changed.length} schedules`}`);
        if (result.refused.length > 0) notifyError(null, `${result.refused.length} not changed`, result.refused.map((item) => ({ field: 'schedule', rule: 'refused', message: item.message })));
        onDone();
      },
      onError: (error) => notifyError(error, action === 'pause' ? 'Not paused' : 'Not resumed'),
    });
  return (
    <>
      <Paper withBorder shadow="md" radius="lg" p="sm" data-testid="bulk-toolbar">
        <Group gap="xs" justify="space-between">
          <Text fz="sm" fw={600}>{noun} selected</Text>
          <Group gap="xs">
            <Button size="xs" variant="default" leftSection={<IconPlayerPause size={14} />} onClick={() => setPausing(true)}>Pause</Button>
            <Button size="xs" variant="default" leftSection={<IconPlayerPlay size={14} />} loading={bulk.isPending && bulk.variables?.action === 'resume'} onClick={() => run('resume')}>Resume</Button>
            <Button size="xs" variant="subtle" color="gray" onClick={onDone}>Clear</Button>
          </Group>
        </Group>
      </Paper>
      <PauseModal opened={isPausing} what={noun} isPending={bulk.isPending} onClose={() => setPausing(false)} onConfirm={(reason) => run('pause', reason || undefined)} />
    </>
  );
}

/** Every schedule with its status, timing and next run; filter by status, open one. */
export function SchedulesPage() {
  const { canWrite } = usePermissions();
  const navigate = useNavigate();
  const [status, setStatus] = useState<StatusFilter>('all');
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [offset, setOffset] = useState(0);
  const [isCreating, setCreating] = useState(false);
  const schedules = useSchedules({ status: status === 'all' ? undefined : status, q: q || undefined, limit: pageSize, offset });
  const isFiltered = status !== 'all' || Boolean(q);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const shownColumns = useMemo(() => (canWrite ? [selectionColumn(selected, toggle), ...columns] : columns), [canWrite, selected]);

  return (
    <>
      <PageHeader
        title="Schedules"
        description="When each notification goes out, to whom, and how its runs went."
        actions={canWrite && <Button leftSection={<IconCalendarPlus size={16} />} onClick={() => setCreating(true)}>New schedule</Button>}
      />
      <Group mb="md" gap="sm">
        <TextInput
          aria-label="Search schedules"
          placeholder="Search by name"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(event) => {
            setSearch(event.currentTarget.value);
            setOffset(0);
          }}
          style={{ flex: '1 1 240px' }}
        />
        <SegmentedControl
          aria-label="Filter by status"
          value={status}
          onChange={(value) => {
            setStatus(value as StatusFilter);
            setOffset(0);
          }}
          data={[
            { value: 'all', label: 'All' },
            { value: 'active', label: 'Active' },
            { value: 'paused', label: 'Paused' },
            { value: 'completed', label: 'Done' },
          ]}
        />
      </Group>

      {schedules.isError ? (
        <QueryError error={schedules.error} what="schedules" onRetry={() => void schedules.refetch()} />
      ) : schedules.data && schedules.data.total === 0 ? (
        <Empty
          icon={<IconCalendarTime size={28} />}
          title={isFiltered ? 'No schedule matches' : 'Nothing scheduled yet'}
          description={isFiltered ? 'Try another status or search.' : 'Pick a template and choose when it goes out: once, or on a recurrence.'}
          action={!isFiltered && canWrite && (
            <Group gap="xs" justify="center">
              <Button variant="default" component={Link} to="/templates">Browse templates</Button>
              <Button leftSection={<IconCalendarPlus size={16} />} onClick={() => setCreating(true)}>New schedule</Button>
            </Group>
          )}
        />
      ) : (
        <>
          <DataTable
            rows={schedules.data?.items}
            isLoading={schedules.isPending}
            columns={shownColumns}
            rowKey={(s) => s.id}
            rowLabel={(s) => s.name}
            onRowClick={(s) => void navigate(`/schedules/${s.id}`)}
            minWidth={1080}
            testId="schedules-table"
          />
          {schedules.data && <Pager total={schedules.data.total} limit={pageSize} offset={offset} onOffsetChange={setOffset} noun="schedules" />}
        </>
      )}
      <Affix position={{ bottom: 16, left: 16, right: 16 }} zIndex={150}>
        <Transition transition="slide-up" mounted={selected.size > 0}>
          {(styles) => <div style={{ ...styles, maxWidth: 560, margin: '0 auto' }}><BulkToolbar ids={[...selected]} onDone={() => setSelected(new Set())} /></div>}
        </Transition>
      </Affix>
      <ScheduleModal opened={isCreating} onClose={() => setCreating(false)} />
    </>
  );
}
