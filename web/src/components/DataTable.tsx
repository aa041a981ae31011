import { Group, Paper, Skeleton, Stack, Table, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import type { KeyboardEvent, ReactNode } from 'react';
import { useIsMobile } from '../lib/use-is-mobile.ts';

export type Column<T> = {
  key: string;
  header: string;
  render: (row: T) => ReactNode;
  /** the column that titles the card on phones */
  isPrimary?: boolean;
  /** left out of the phone card (it would repeat the title or add noise) */
  isHiddenOnCard?: boolean;
  align?: 'left' | 'right' | 'center';
  width?: number | string;
};

type DataTableProps<T> = {
  rows: T[] | undefined;
  columns: Column<T>[];
  rowKey: (row: T) => string | number;
  isLoading?: boolean;
  /** opens the row; rows become links for the keyboard too */
  onRowClick?: (row: T) => void;
  /** what the row is, for screen readers and tests */
  rowLabel?: (row: T) => string;
  /** buttons at the end of each row */
  actions?: (row: T) => ReactNode;
  minWidth?: number;
  testId?: string;
  /** the title of a phone card, when the primary column alone can be empty */
  cardTitle?: (row: T) => ReactNode;
};

function SkeletonRows({ columns, count }: { columns: number; count: number }) {
  return Array.from({ length: count }, (_, row) => (
    <Table.Tr key={row}>
      {Array.from({ length: columns }, (_, column) => (
        <Table.Td key={column}><Skeleton h={14} radius="sm" w={column === 0 ? '70%' : '50%'} /></Table.Td>
      ))}
    </Table.Tr>
  ));
}

/** A table on desktop that turns into a list of cards on phones. */
export function DataTable<T>({ rows, columns, rowKey, isLoading, onRowClick, rowLabel, actions, minWidth = 720, testId, cardTitle }: DataTableProps<T>) {
  const isMobile = useIsMobile();
  const primary = columns.find((column) => column.isPrimary) ?? columns[0];
  const onKey = (row: T) => (event: KeyboardEvent) => {
    if (onRowClick && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      onRowClick(row);
    }
  };

  if (isMobile) {
    if (isLoading || !rows) {
      return <Stack gap="sm">{[0, 1, 2].map((i) => <Skeleton key={i} h={96} radius="lg" />)}</Stack>;
    }
    return (
      <Stack gap="sm" data-testid={testId}>
        {rows.map((row) => {
          const title = cardTitle ? cardTitle(row) : primary?.render(row);
          const body = (
            <Stack gap={6}>
              {columns.filter((column) => (cardTitle || column !== primary) && !column.isHiddenOnCard).map((column) => (
                <Group key={column.key} justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
                  <Text fz="xs" c="dimmed" style={{ flexShrink: 0 }}>{column.header}</Text>
                  <Text fz="sm" component="div" ta="right" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>{column.render(row)}</Text>
                </Group>
              ))}
            </Stack>
          );
          return (
            <Paper key={rowKey(row)} withBorder radius="lg" p="md" aria-label={rowLabel?.(row)}>
              <Group justify="space-between" wrap="nowrap" gap="xs" mb={8} align="flex-start">
                {onRowClick ? (
                  <UnstyledButton onClick={() => onRowClick(row)} style={{ minWidth: 0, flex: 1 }} aria-label={rowLabel ? `Open ${rowLabel(row)}` : undefined}>
                    <Text fw={600} component="div" style={{ overflowWrap: 'anywhere' }}>{title}</Text>
                  </UnstyledButton>
                ) : (
                  <Text fw={600} component="div" style={{ minWidth: 0, flex: 1, overflowWrap: 'anywhere' }}>{title}</Text>
                )}
                {actions && <Group gap={4} wrap="nowrap">{actions(row)}</Group>}
              </Group>
              {onRowClick ? <UnstyledButton onClick={() => onRowClick(row)} w="100%" tabIndex={-1}>{body}</UnstyledButton> : body}
            </Paper>
          );
        })}
      </Stack>
    );
  }

  return (
    <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
      <Table.ScrollContainer minWidth={minWidth} type="native">
        <Table highlightOnHover={Boolean(onRowClick)} verticalSpacing="sm" horizontalSpacing="md" data-testid={testId}>
          <Table.Thead bg="var(--mantine-color-gray-0)">
            <Table.Tr>
              {columns.map((column) => (
                <Table.Th key={column.key} ta={column.align} w={column.width} fz="xs" tt="uppercase" c="dimmed" fw={600} lts={0.3}>{column.header}</Table.Th>
              ))}
              {actions && <Table.Th w={1}><VisuallyHidden>Actions</VisuallyHidden></Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {isLoading || !rows ? (
              <SkeletonRows columns={columns.length + (actions ? 1 : 0)} count={5} />
            ) : (
              rows.map((row) => (
                <Table.Tr
                  key={rowKey(row)}
                  onClick={onRowClick ? () => onRowClick(row) : undefined}
                  onKeyDown={onRowClick ? onKey(row) : undefined}
                  tabIndex={onRowClick ? 0 : undefined}
                  role={onRowClick ? 'link' : undefined}
                  aria-label={rowLabel?.(row)}
                  style={onRowClick ? { cursor: 'pointer' } : undefined}
                >
                  {columns.map((column) => (
                    <Table.Td key={column.key} ta={column.align} fz="sm">{column.render(row)}</Table.Td>
                  ))}
                  {actions && (
                    <Table.Td onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.stopPropagation()}>
                      <Group gap={4} wrap="nowrap" justify="flex-end">{actions(row)}</Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
