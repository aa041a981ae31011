import { Group, Pagination, Text } from '@mantine/core';

type PagerProps = { total: number; limit: number; offset: number; onOffsetChange: (offset: number) => void; noun?: string };

/** "1–50 of 230" and page buttons under a list; nothing when everything fits on one page. */
export function Pager({ total, limit, offset, onOffsetChange, noun = 'items' }: PagerProps) {
  if (total === 0) return null;
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(offset / limit) + 1;
  return (
    <Group justify="space-between" mt="md" gap="sm">
      <Text fz="sm" c="dimmed">
        {offset + 1}–{Math.min(offset + limit, total)} of {total} {noun}
      </Text>
      {pages > 1 && (
        <Pagination total={pages} value={page} onChange={(next) => onOffsetChange((next - 1) * limit)} size="sm" siblings={1} getControlProps={(control) => ({ 'aria-label': `${control} page` })} />
      )}
    </Group>
  );
}
