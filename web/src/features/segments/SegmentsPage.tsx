import { ActionIcon, Alert, Anchor, Button, Center, Code, Group, Loader, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertTriangle, IconFilter, IconPencil, IconPlus, IconSearch, IconTrash } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router';
import type { Segment } from '@herald/shared';
import { usePermissions } from '../../auth/use-me.ts';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Empty } from '../../components/Empty.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatRelative } from '../../lib/time.ts';
import { useSegment, useSegments } from './api.ts';
import { DeleteSegmentModal } from './DeleteSegmentModal.tsx';
import { formatRecipients } from './PreviewPanel.tsx';
import { emptyGroup, fromHeraldQuery } from './query-convert.ts';
import { RenameSegmentModal } from './RenameSegmentModal.tsx';
import { SegmentEditor } from './SegmentEditor.tsx';

const pageSize = 25;

function SizeCell({ segment }: { segment: Segment }) {
  if (segment.size !== null) return <Text fz="sm" fw={600} span data-testid="segment-size">{formatRecipients(segment.size)}</Text>;
  if (segment.sizeError) {
    return <Tooltip label={segment.sizeError}><Text fz="sm" c="orange.8" span>not counted</Text></Tooltip>;
  }
  return <Loader size={12} aria-label="Counting" />;
}

const columns: Column<Segment>[] = [
  {
    key: 'name',
    header: 'Name',
    isPrimary: true,
    render: (segment) => (
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text fz="sm" fw={600} truncate>{segment.name}</Text>
        {segment.description && <Text fz="xs" c="dimmed" lineClamp={1}>{segment.description}</Text>}
      </Stack>
    ),
  },
  { key: 'size', header: 'Size now', render: (segment) => <SizeCell segment={segment} /> },
  {
    key: 'schedules',
    header: 'Audience of',
    render: (segment) => (segment.schedules.length === 0
      ? <Text span c="dimmed" fz="sm">no schedule</Text>
      : <Text span fz="sm">{segment.schedules.length === 1 ? segment.schedules[0]?.name : `${segment.schedules.length} schedules`}</Text>),
  },
  { key: 'updated', header: 'Changed', render: (segment) => <Text span fz="sm" c="dimmed">{formatRelative(segment.updatedAt)}</Text> },
];

/** Saved segments with their size now: search, open, rename, delete. */
function SegmentList() {
  const navigate = useNavigate();
  const { canWrite } = usePermissions();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [offset, setOffset] = useState(0);
  const [renaming, setRenaming] = useState<Segment | null>(null);
  const [deleting, setDeleting] = useState<Segment | null>(null);
  // Names first (fast), then the sizes, which count each segment's recipients.
  const filters = { search: q || undefined, limit: pageSize, offset };
  const names = useSegments({ ...filters, withCount: false });
  const sized = useSegments({ ...filters, withCount: true }, names.isSuccess);
  const segments = sized.data && !sized.isPlaceholderData ? sized : names;
  const newButton = <Button component={Link} to="/segments/new" leftSection={<IconPlus size={16} />}>New segment</Button>;

  return (
    <>
      <PageHeader title="Segments" description="Audiences defined by attributes and behaviour, counted again each time a schedule sends to them." actions={canWrite && newButton} />
      <TextInput
        mb="md"
        aria-label="Search segments"
        placeholder="Search by name"
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(event) => {
          setSearch(event.currentTarget.value);
          setOffset(0);
        }}
        maw={420}
      />
      {segments.isError ? (
        <QueryError error={segments.error} what="segments" onRetry={() => void segments.refetch()} />
      ) : segments.data && segments.data.total === 0 ? (
        <Empty
          icon={<IconFilter size={28} />}
          title={q ? 'No segment by that name' : 'No segments yet'}
          description={q ? 'Try another search.' : 'Build an audience from your recipients\u2019 attributes and engagement, then schedule notifications to it.'}
          action={!q && canWrite && newButton}
        />
      ) : (
        <>
          <DataTable
            rows={segments.data?.items}
            isLoading={segments.isPending}
            columns={columns}
            rowKey={(segment) => segment.id}
            rowLabel={(segment) => segment.name}
            testId="segments-table"
            minWidth={640}
            onRowClick={(segment) => void navigate(`/segments/${segment.id}`)}
            actions={canWrite ? (segment) => (
              <>
                <Tooltip label="Rename">
                  <ActionIcon variant="subtle" color="gray" aria-label={`Rename ${segment.name}`} onClick={() => setRenaming(segment)}><IconPencil size={16} /></ActionIcon>
                </Tooltip>
                <Tooltip label="Delete">
                  <ActionIcon variant="subtle" color="red" aria-label={`Delete ${segment.name}`} onClick={() => setDeleting(segment)}><IconTrash size={16} /></ActionIcon>
                </Tooltip>
              </>
            ) : undefined}
          />
          {segments.data && <Pager total={segments.data.total} limit={pageSize} offset={offset} onOffsetChange={setOffset} noun="segments" />}
        </>
      )}
      <RenameSegmentModal segment={renaming} onClose={() => setRenaming(null)} />
      <DeleteSegmentModal segment={deleting} onClose={() => setDeleting(null)} />
    </>
  );
}

function NewSegment() {
  const initial = useMemo(() => emptyGroup(), []);
  return <SegmentEditor initialQuery={initial} />;
}

function EditSegment() {
  const { id } = useParams();
  const segment = useSegment(id);
  const imported = useMemo(() => (segment.data ? fromHeraldQuery(segment.data.query) : null), [segment.data]);
  if (segment.isPending) return <Center py={80}><Loader aria-label="Loading the segment" /></Center>;
  if (segment.isError) {
    return (
      <Stack>
        <Anchor component={Link} to="/segments" fz="sm">Back to segments</Anchor>
        <QueryError error={segment.error} what="the segment" onRetry={() => void segment.refetch()} />
      </Stack>
    );
  }
  if (!imported?.ok) {
    return (
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} title="The builder cannot show this segment's query">
        <Text fz="sm">{imported?.message}</Text>
        <Code block mt="sm">{JSON.stringify(segment.data.query, null, 2)}</Code>
        <Group mt="sm"><Anchor component={Link} to="/segments" fz="sm">Back to segments</Anchor></Group>
      </Alert>
    );
  }
  // A new key per saved version, so saving (or another tab's change) starts the editor from the saved query.
  return <SegmentEditor key={`${segment.data.id}:${segment.data.updatedAt}`} segment={segment.data} initialQuery={imported.root} />;
}

/** The Segments area: the list, a new segment, and one segment's editor. */
export function SegmentsPage() {
  return (
    <Routes>
      <Route index element={<SegmentList />} />
      <Route path="new" element={<NewSegment />} />
      <Route path=":id" element={<EditSegment />} />
    </Routes>
  );
}
