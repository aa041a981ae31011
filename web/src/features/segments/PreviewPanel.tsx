import { Alert, Badge, Group, Loader, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconUsers } from '@tabler/icons-react';
import type { SegmentPreview } from '@herald/shared';

type PreviewPanelProps = {
  preview: SegmentPreview | undefined;
  /** everyone Herald knows, for "N of M" */
  total: number | undefined;
  isFetching: boolean;
  /** why there is no count (a bad criterion, a timeout); null when there is one */
  problem: string | null;
  incompleteCount: number;
};

const numberFormat = new Intl.NumberFormat('en-US');

/** "42 recipients" */
export function formatRecipients(count: number): string {
  return `${numberFormat.format(count)} ${count === 1 ? 'recipient' : 'recipients'}`;
}

/** The segment's size and a few of its recipients, as the criteria stand now. */
export function PreviewPanel({ preview, total, isFetching, problem, incompleteCount }: PreviewPanelProps) {
  return (
    <Paper withBorder radius="lg" p="md" aria-label="Preview" component="section">
      <Stack gap="sm">
        <Group justify="space-between" gap="xs">
          <Title order={2} fz="xs" tt="uppercase" c="dimmed" lts={0.6}>Who matches now</Title>
          {isFetching && <Loader size={14} aria-label="Counting" />}
        </Group>
        {problem ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} py={8}>{problem}</Alert>
        ) : preview ? (
          <Group gap={8} align="baseline">
            <Text fz={32} fw={700} lh={1} data-testid="segment-count">{numberFormat.format(preview.count)}</Text>
            <Text c="dimmed" fz="sm">
              {preview.count === 1 ? 'recipient' : 'recipients'}
              {total !== undefined && ` of ${numberFormat.format(total)}`}
            </Text>
          </Group>
        ) : (
          <Skeleton h={32} w="50%" />
        )}
        {incompleteCount > 0 && (
          <Text fz="xs" c="dimmed">{incompleteCount === 1 ? 'One criterion is' : `${incompleteCount} criteria are`} not complete and left out of the count.</Text>
        )}
        {preview && !problem && preview.sample.length > 0 && (
          <Stack gap={6} aria-label="Sample of matching recipients" component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
            {preview.sample.map((recipient) => (
              <Group key={recipient.id} component="li" gap="xs" wrap="nowrap" justify="space-between">
                <Stack gap={0} style={{ minWidth: 0 }}>
                  <Text fz="sm" fw={500} truncate>{recipient.name || recipient.email || recipient.externalId}</Text>
                  <Text fz="xs" c="dimmed" truncate>{recipient.email && recipient.name ? recipient.email : recipient.externalId}</Text>
                </Stack>
                {!recipient.isActive && <Badge size="xs" variant="light" color="gray">inactive</Badge>}
              </Group>
            ))}
            {preview.count > preview.sample.length && <Text fz="xs" c="dimmed">and {formatRecipients(preview.count - preview.sample.length)} more</Text>}
          </Stack>
        )}
        {preview && !problem && preview.count === 0 && (
          <Group gap={6} c="dimmed"><IconUsers size={16} /><Text fz="sm">Nobody matches these criteria.</Text></Group>
        )}
        {preview && !problem && <Text fz="xs" c="dimmed">Counted in {Math.round(preview.tookMs)} ms. A segment is counted again each time a schedule sends to it.</Text>}
      </Stack>
    </Paper>
  );
}
