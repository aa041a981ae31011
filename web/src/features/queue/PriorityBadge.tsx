import { Badge } from '@mantine/core';
import type { Priority } from '@herald/shared';

const priorityColors: Record<Priority, string> = { critical: 'red', high: 'orange', normal: 'blue', low: 'gray' };

/** A delivery's or run's priority, colored by urgency. */
export function PriorityBadge({ priority }: { priority: Priority }) {
  return <Badge variant="light" radius="sm" color={priorityColors[priority]} tt="none" style={{ minWidth: 'max-content' }}>{priority}</Badge>;
}
