import { DndContext, KeyboardSensor, PointerSensor, closestCenter, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import { SortableContext, arrayMove, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { ActionIcon, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconGripVertical } from '@tabler/icons-react';
import type { Channel } from '@herald/shared';
import { channelIcons, channelLabels } from '../../components/badges.tsx';

type ChannelOrderListProps = { value: Channel[]; onChange: (next: Channel[]) => void };

function Row({ channel, index, count, move }: { channel: Channel; index: number; count: number; move: (from: number, to: number) => void }) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: channel });
  const Icon = channelIcons[channel];
  return (
    <Paper
      ref={setNodeRef}
      withBorder
      radius="md"
      px="sm"
      py={6}
      style={{ transform: transform ? `translate3d(0, ${transform.y}px, 0)` : undefined, transition, zIndex: isDragging ? 1 : undefined, boxShadow: isDragging ? 'var(--mantine-shadow-md)' : undefined }}
      data-testid={`fallback-${channel}`}
      role="listitem"
    >
      <Group gap="xs" wrap="nowrap">
        <ActionIcon variant="subtle" color="gray" aria-label={`Drag ${channelLabels[channel]}`} style={{ cursor: 'grab', touchAction: 'none' }} {...attributes} {...listeners}>
          <IconGripVertical size={16} />
        </ActionIcon>
        <Badge variant="light" radius="sm" circle>{index + 1}</Badge>
        <Group gap={6} wrap="nowrap" style={{ flex: 1 }}><Icon size={16} /><Text fz="sm">{channelLabels[channel]}</Text></Group>
        <ActionIcon variant="subtle" color="gray" aria-label={`Move ${channelLabels[channel]} up`} disabled={index === 0} onClick={() => move(index, index - 1)}><IconArrowUp size={14} /></ActionIcon>
        <ActionIcon variant="subtle" color="gray" aria-label={`Move ${channelLabels[channel]} down`} disabled={index === count - 1} onClick={() => move(index, index + 1)}><IconArrowDown size={14} /></ActionIcon>
      </Group>
    </Paper>
  );
}

/** The fallback order: drag a channel (or use the arrows) to change which is tried first. */
export function ChannelOrderList({ value, onChange }: ChannelOrderListProps) {
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const move = (from: number, to: number) => onChange(arrayMove(value, from, to));
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    move(value.indexOf(active.id as Channel), value.indexOf(over.id as Channel));
  };
  return (
    <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
      <SortableContext items={value} strategy={verticalListSortingStrategy}>
        <Stack gap={6} aria-label="Fallback order" role="list">
          {value.map((channel, index) => <Row key={channel} channel={channel} index={index} count={value.length} move={move} />)}
        </Stack>
      </SortableContext>
    </DndContext>
  );
}
