import { ActionIcon, Badge, Button, Group, SegmentedControl, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconFileImport, IconPencil, IconPlus, IconSearch, IconTrash, IconUsers } from '@tabler/icons-react';
import { useState } from 'react';
import type { Recipient } from '@herald/shared';
import { usePermissions } from '../../auth/use-me.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { StatusBadge } from '../../components/badges.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Empty } from '../../components/Empty.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useDeleteRecipient, useRecipients } from './api.ts';
import { ImportRecipientsModal } from './ImportRecipientsModal.tsx';
import { RecipientFormModal } from './RecipientFormModal.tsx';

const pageSize = 25;
type ActiveFilter = 'all' | 'active' | 'inactive';

const columns: Column<Recipient>[] = [
  { key: 'externalId', header: 'External ID', render: (r) => <Text fz="sm" ff="monospace" truncate maw={180}>{r.externalId}</Text> },
  { key: 'name', header: 'Name', isPrimary: true, isHiddenOnCard: true, render: (r) => r.name || <Text span c="dimmed" fz="sm">—</Text> },
  { key: 'email', header: 'Email', render: (r) => r.email || <Text span c="dimmed" fz="sm">—</Text> },
  { key: 'phone', header: 'Phone', render: (r) => r.phone || <Text span c="dimmed" fz="sm">—</Text> },
  { key: 'timezone', header: 'Time zone', render: (r) => r.timezone || <Text span c="dimmed" fz="sm">—</Text> },
  {
    key: 'active',
    header: 'Status',
    render: (r) => (
      <Group gap={4} justify="inherit">
        <StatusBadge status={r.isActive ? 'active' : 'inactive'} />
        {r.unsubscribedAt && <Badge variant="light" radius="sm" color="orange" style={{ minWidth: 'max-content' }}>unsubscribed</Badge>}
      </Group>
    ),
  },
];

/** Everyone Herald can notify: search, add, edit, delete, import from CSV. */
export function RecipientsPage() {
  const { canWrite } = usePermissions();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [active, setActive] = useState<ActiveFilter>('all');
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<Recipient | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Recipient | null>(null);
  const [isImportOpen, setImportOpen] = useState(false);
  const recipients = useRecipients({ q: q || undefined, isActive: active === 'all' ? undefined : active === 'active', limit: pageSize, offset });
  const remove = useDeleteRecipient();
  const isFiltered = Boolean(q) || active !== 'all';
  const labelOf = (r: Recipient) => r.name || r.email || r.externalId;

  return (
    <>
      <PageHeader
        title="Recipients"
        description="The people your app notifies. Push them from your backend over the API, or import a CSV."
        actions={canWrite && (
          <>
            <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={() => setImportOpen(true)}>Import CSV</Button>
            <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>Add recipient</Button>
          </>
        )}
      />
      <Group mb="md" gap="sm" align="flex-end">
        <TextInput
          aria-label="Search recipients"
          placeholder="Search by name, email, phone or external ID"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(event) => {
            setSearch(event.currentTarget.value);
            setOffset(0);
          }}
          style={{ flex: '1 1 260px' }}
        />
        <SegmentedControl
          aria-label="Filter by status"
          value={active}
          onChange={(value) => {
            setActive(value as ActiveFilter);
            setOffset(0);
          }}
          data={[{ value: 'all', label: 'All' }, { value: 'active', label: 'Active' }, { value: 'inactive', label: 'Inactive' }]}
        />
      </Group>

      {recipients.isError ? (
        <QueryError error={recipients.error} what="recipients" onRetry={() => void recipients.refetch()} />
      ) : recipients.data && recipients.data.total === 0 ? (
        <Empty
          icon={<IconUsers size={28} />}
          title={isFiltered ? 'No recipient matches' : 'No recipients yet'}
          description={isFiltered ? 'Try another search or filter.' : 'Add the people you want to notify, one by one or from a CSV file.'}
          action={!isFiltered && canWrite && (
            <Group gap="xs" justify="center">
              <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={() => setImportOpen(true)}>Import CSV</Button>
              <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>Add recipient</Button>
            </Group>
          )}
        />
      ) : (
        <>
          <DataTable
            rows={recipients.data?.items}
            isLoading={recipients.isPending}
            columns={columns}
            rowKey={(r) => r.id}
            rowLabel={labelOf}
            cardTitle={labelOf}
            testId="recipients-table"
            onRowClick={canWrite ? (r) => setEditing(r) : undefined}
            actions={canWrite ? (r) => (
              <>
                <Tooltip label="Edit">
                  <ActionIcon variant="subtle" color="gray" aria-label={`Edit ${labelOf(r)}`} onClick={() => setEditing(r)}><IconPencil size={16} /></ActionIcon>
                </Tooltip>
                <Tooltip label="Delete">
                  <ActionIcon variant="subtle" color="red" aria-label={`Delete ${labelOf(r)}`} onClick={() => setDeleting(r)}><IconTrash size={16} /></ActionIcon>
                </Tooltip>
              </>
            ) : undefined}
          />
          {recipients.data && <Pager total={recipients.data.total} limit={pageSize} offset={offset} onOffsetChange={setOffset} noun="recipients" />}
        </>
      )}

      <RecipientFormModal opened={editing !== null} recipient={editing === 'new' || editing === null ? undefined : editing} onClose={() => setEditing(null)} />
      <ImportRecipientsModal opened={isImportOpen} onClose={() => setImportOpen(false)} />
      <ConfirmModal
        opened={deleting !== null}
        title="Delete recipient?"
        confirmLabel="Delete"
        isPending={remove.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => {
          if (!deleting) return;
          remove.mutate(deleting.id, {
            onSuccess: () => {
              notifySuccess(`Deleted ${labelOf(deleting)}`);
              setDeleting(null);
            },
            onError: (error) => notifyError(error, 'Not deleted'),
          });
        }}
      >
        {deleting && <>Delete <b>{labelOf(deleting)}</b>? Their delivery history and in-app inbox are deleted with them.</>}
      </ConfirmModal>
    </>
  );
}
