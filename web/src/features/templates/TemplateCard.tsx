import { ActionIcon, Badge, Button, Card, Group, Stack, Text, Tooltip } from '@mantine/core';
import { IconAlarm, IconPencil, IconTrash } from '@tabler/icons-react';
import type { Template } from '@herald/shared';
import { ChannelBadges } from '../../components/badges.tsx';
import { channelsOf } from './template-form.ts';

type TemplateCardProps = {
  template: Template;
  canWrite: boolean;
  onSchedule: () => void;
  onEdit: () => void;
  onDelete: () => void;
};

/** One template in the library: what it is, where it sends, and the ⏰ button that schedules it. */
export function TemplateCard({ template, canWrite, onSchedule, onEdit, onDelete }: TemplateCardProps) {
  const uses = template.scheduleCount;
  return (
    <Card padding="lg" data-testid="template-card" aria-label={template.name} component="article" h="100%">
      <Stack gap="sm" h="100%">
        <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
          <Stack gap={4} style={{ minWidth: 0 }}>
            <Text fw={600} lineClamp={2} style={{ overflowWrap: 'anywhere' }}>{template.name}</Text>
            <Badge variant="dot" color="herald" tt="none" fw={500} radius="sm" w="fit-content">{template.category}</Badge>
          </Stack>
          {canWrite && (
            <Group gap={2} wrap="nowrap">
              <Tooltip label="Edit">
                <ActionIcon variant="subtle" color="gray" aria-label={`Edit ${template.name}`} onClick={onEdit}><IconPencil size={16} /></ActionIcon>
              </Tooltip>
              <Tooltip label={uses > 0 ? 'Used by schedules: delete them first' : 'Delete'}>
                <ActionIcon variant="subtle" color="red" aria-label={`Delete ${template.name}`} onClick={onDelete}><IconTrash size={16} /></ActionIcon>
              </Tooltip>
            </Group>
          )}
        </Group>
        <Text fz="sm" c="dimmed" lineClamp={2} style={{ flexGrow: 1 }}>{template.description || 'No description.'}</Text>
        <ChannelBadges channels={channelsOf(template)} />
        <Group justify="space-between" pt="sm" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}>
          <Text fz="xs" c="dimmed">{uses === 0 ? 'Not scheduled' : uses === 1 ? 'Used by 1 schedule' : `Used by ${uses} schedules`}</Text>
          {canWrite && (
            <Button size="xs" variant="light" leftSection={<IconAlarm size={15} />} onClick={onSchedule} data-testid="schedule-template">
              Schedule
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
