import { Button, Card, Group, Select, SimpleGrid, Skeleton, Stack, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus, IconSearch, IconTemplate } from '@tabler/icons-react';
import { useState } from 'react';
import type { Template } from '@herald/shared';
import { usePermissions } from '../../auth/use-me.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { Empty } from '../../components/Empty.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Pager } from '../../components/Pager.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { ScheduleModal } from '../schedules/ScheduleModal.tsx';
import { useDeleteTemplate, useTemplateCategories, useTemplates } from './api.ts';
import { TemplateCard } from './TemplateCard.tsx';
import { TemplateEditorModal } from './TemplateEditorModal.tsx';

const pageSize = 24;

function CardSkeletons() {
  return [0, 1, 2].map((i) => (
    <Card key={i} padding="lg">
      <Stack gap="sm">
        <Skeleton h={18} w="60%" />
        <Skeleton h={14} w="25%" />
        <Skeleton h={12} w="90%" />
        <Skeleton h={20} w="40%" mt="sm" />
      </Stack>
    </Card>
  ));
}

/** The template library as cards: search, filter by category, edit, delete, and schedule. */
export function TemplatesPage() {
  const { canWrite } = usePermissions();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [category, setCategory] = useState<string | null>(null);
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<Template | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Template | null>(null);
  const [scheduling, setScheduling] = useState<Template | null>(null);
  const templates = useTemplates({ q: q || undefined, category: category ?? undefined, limit: pageSize, offset });
  const categories = useTemplateCategories();
  const remove = useDeleteTemplate();
  const isFiltered = Boolean(q) || Boolean(category);

  return (
    <>
      <PageHeader
        title="Templates"
        description="What your notifications say, per channel. Press Schedule on a template to send it."
        actions={canWrite && <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>New template</Button>}
      />
      <Group mb="lg" gap="sm">
        <TextInput
          aria-label="Search templates"
          placeholder="Search by name or description"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(event) => {
            setSearch(event.currentTarget.value);
            setOffset(0);
          }}
          style={{ flex: '1 1 260px' }}
        />
        <Select
          aria-label="Filter by category"
          placeholder="All categories"
          clearable
          value={category}
          onChange={(value) => {
            setCategory(value);
            setOffset(0);
          }}
          data={categories.data?.items.map((item) => ({ value: item.name, label: `${item.name} (${item.templateCount})` })) ?? []}
          style={{ flex: '0 1 220px' }}
        />
      </Group>

      {templates.isError ? (
        <QueryError error={templates.error} what="templates" onRetry={() => void templates.refetch()} />
      ) : templates.data && templates.data.total === 0 ? (
        <Empty
          icon={<IconTemplate size={28} />}
          title={isFiltered ? 'No template matches' : 'No templates yet'}
          description={isFiltered ? 'Try another search or category.' : 'A template holds what a notification says on each channel: email, in-app, SMS, push, webhook.'}
          action={!isFiltered && canWrite && <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>New template</Button>}
        />
      ) : (
        <>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
            {templates.isPending ? <CardSkeletons /> : templates.data?.items.map((template) => (
              <TemplateCard
                key={template.id}
                template={template}
                canWrite={canWrite}
                onSchedule={() => setScheduling(template)}
                onEdit={() => setEditing(template)}
                onDelete={() => setDeleting(template)}
              />
            ))}
          </SimpleGrid>
          {templates.data && <Pager total={templates.data.total} limit={pageSize} offset={offset} onOffsetChange={setOffset} noun="templates" />}
        </>
      )}

      <TemplateEditorModal opened={editing !== null} template={editing === 'new' || editing === null ? undefined : editing} onClose={() => setEditing(null)} />
      <ScheduleModal opened={scheduling !== null} template={scheduling ?? undefined} onClose={() => setScheduling(null)} />
      <ConfirmModal
        opened={deleting !== null}
        title="Delete template?"
        confirmLabel="Delete"
        isPending={remove.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => {
          if (!deleting) return;
          remove.mutate(deleting.id, {
            onSuccess: () => {
              notifySuccess(`Deleted "${deleting.name}"`);
              setDeleting(null);
            },
            onError: (error) => {
              notifyError(error, 'Not deleted');
              setDeleting(null);
            },
          });
        }}
      >
        {deleting && (deleting.scheduleCount > 0
          ? <><b>{deleting.name}</b> is used by {deleting.scheduleCount} schedule(s). Delete or change those schedules first.</>
          : <>Delete <b>{deleting.name}</b>? This cannot be undone.</>)}
      </ConfirmModal>
    </>
  );
}
