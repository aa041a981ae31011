import { Button, Group, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconCalendarPlus, IconCalendarTime, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
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
import { useSchedules } from './api.ts';
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
  { key: 'channels', header: 'Channels', render: (s) => <ChannelBadges channels={s.channels} /> },
];

type StatusFilter = 'all' | 'active' | 'paused' | 'completed';

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
            columns={columns}
            rowKey={(s) => s.id}
            rowLabel={(s) => s.name}
            onRowClick={(s) => void navigate(`/schedules/${s.id}`)}
            minWidth={960}
            testId="schedules-table"
          />
          {schedules.data && <Pager total={schedules.data.total} limit={pageSize} offset={offset} onOffsetChange={setOffset} noun="schedules" />}
        </>
      )}
      <ScheduleModal opened={isCreating} onClose={() => setCreating(false)} />
    </>
  );
}
