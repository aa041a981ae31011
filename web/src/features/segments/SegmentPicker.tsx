import { Anchor, Group, Input, Select, Stack, Text, type SelectProps } from '@mantine/core';
import { Link } from 'react-router';
import { useSegments } from './api.ts';
import { formatRecipients } from './PreviewPanel.tsx';

type SegmentPickerProps = Omit<SelectProps, 'data' | 'value' | 'onChange'> & {
  value: string | null;
  onChange: (segmentId: string | null) => void;
};

const listAll = { limit: 500, offset: 0 };

/** A dropdown of the saved segments, each with its size now; links to the builder when there are none. */
export function SegmentPicker({ value, onChange, error, ...props }: SegmentPickerProps) {
  // Names come at once; sizes follow (each is a count of the recipients).
  const names = useSegments({ ...listAll, withCount: false });
  const sized = useSegments({ ...listAll, withCount: true }, names.isSuccess);
  const segments = sized.data ?? names.data;
  const sizeOf = new Map(sized.data?.items.map((segment) => [segment.id, segment.size]) ?? []);
  const sizeText = (id: string) => {
    if (!sized.data) return 'counting…';
    const size = sizeOf.get(id);
    return size === null || size === undefined ? 'not counted' : formatRecipients(size);
  };
  const chosen = segments?.items.find((segment) => segment.id === value);
  return (
    <Stack gap={4}>
      <Select
        label="Segment"
        placeholder={names.isPending ? 'Loading segments…' : 'Pick a segment'}
        searchable
        nothingFoundMessage="No segment by that name"
        data={segments?.items.map((segment) => ({ value: segment.id, label: segment.name })) ?? []}
        value={value}
        onChange={onChange}
        error={error ?? (names.isError ? 'Segments could not be loaded' : undefined)}
        renderOption={({ option }) => (
          <Group justify="space-between" wrap="nowrap" gap="sm" w="100%">
            <Text fz="sm" truncate>{option.label}</Text>
            <Text fz="xs" c="dimmed" style={{ flexShrink: 0 }}>{sizeText(option.value)}</Text>
          </Group>
        )}
        {...props}
      />
      {chosen && (
        <Input.Description>
          {sizeText(chosen.id) === 'counting…' ? 'Counting…' : `${sizeText(chosen.id)} now`}; counted again at each send.{' '}
          <Anchor component={Link} to={`/segments/${chosen.id}`} fz="xs">Open segment</Anchor>
        </Input.Description>
      )}
      {segments?.total === 0 && (
        <Input.Description>
          No segments yet. <Anchor component={Link} to="/segments/new" fz="xs">Build one</Anchor>
        </Input.Description>
      )}
    </Stack>
  );
}
