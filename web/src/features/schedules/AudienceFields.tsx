import { Group, Radio, SimpleGrid, Stack, Text } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { RecipientMultiSelect } from '../recipients/RecipientPicker.tsx';
import { SegmentPicker } from '../segments/SegmentPicker.tsx';
import type { AudienceType, ScheduleFormValues } from './schedule-form.ts';

const audienceOptions: Array<{ value: AudienceType; label: string; description: string }> = [
  { value: 'all', label: 'All users', description: 'Every recipient who can be reached' },
  { value: 'active', label: 'Active users', description: 'Recipients marked active' },
  { value: 'test', label: 'Test list', description: 'A few recipients you pick' },
  { value: 'segment', label: 'Saved segment', description: 'Recipients matching a segment' },
];

type AudienceFieldsProps = { form: UseFormReturnType<ScheduleFormValues>; errorAt: (path: string) => string | undefined };

/** Who gets it: all, active, a test list, or a saved segment. */
export function AudienceFields({ form, errorAt }: AudienceFieldsProps) {
  const type = form.values.audienceType;
  return (
    <Stack gap="sm">
      <Radio.Group value={type} onChange={(value) => form.setFieldValue('audienceType', value as AudienceType)} label="Audience" error={errorAt('audienceType')}>
        <SimpleGrid cols={2} spacing="xs" mt={6}>
          {audienceOptions.map((option) => (
            <Radio.Card key={option.value} value={option.value} radius="md" p="sm" aria-label={option.label} data-testid={`audience-${option.value}`}>
              <Group wrap="nowrap" align="flex-start" gap="xs">
                <Radio.Indicator size="xs" mt={3} />
                <div>
                  <Text fz="sm" fw={600} lh={1.3}>{option.label}</Text>
                  <Text fz="xs" c="dimmed" lh={1.3}>{option.description}</Text>
                </div>
              </Group>
            </Radio.Card>
          ))}
        </SimpleGrid>
      </Radio.Group>
      {type === 'test' && (
        <RecipientMultiSelect
          label="Test recipients"
          placeholder={form.values.recipientIds.length ? undefined : 'Search by name, email or external ID'}
          value={form.values.recipientIds}
          onChange={(ids) => form.setFieldValue('recipientIds', ids)}
          error={errorAt('recipientIds')}
        />
      )}
      {type === 'segment' && (
        <SegmentPicker value={form.values.segmentId} onChange={(id) => form.setFieldValue('segmentId', id)} error={errorAt('segmentId')} data-testid="schedule-segment" />
      )}
    </Stack>
  );
}
