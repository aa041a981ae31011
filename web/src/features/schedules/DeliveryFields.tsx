import { Checkbox, Collapse, Group, Input, SegmentedControl, Stack, Switch, Text, Tooltip } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import { priorities, type Channel, type ChannelMode, type Priority } from '@herald/shared';
import { channelIcons, channelLabels, channelOrder } from '../../components/badges.tsx';
import { ChannelOrderList } from '../delivery/ChannelOrderList.tsx';
import { RateLimitFields } from '../delivery/RateLimitFields.tsx';
import { RetryPolicyFields } from '../delivery/RetryPolicyFields.tsx';
import type { RateLimitDraft, RetryPolicyDraft } from '../delivery/limit-drafts.ts';
import type { ScheduleFormValues } from './schedule-form.ts';

const priorityLabels: Record<Priority, string> = { critical: 'Critical', high: 'High', normal: 'Normal', low: 'Low' };

type DeliveryFieldsProps = {
  form: UseFormReturnType<ScheduleFormValues>;
  errorAt: (path: string) => string | undefined;
  /** the channels the chosen template has content for; null before a template is chosen */
  templateChannels: Channel[] | null;
};

function errorsUnder<T extends object>(errorAt: (path: string) => string | undefined, root: string, draft: T): Partial<Record<keyof T, string | undefined>> {
  return Object.fromEntries(Object.keys(draft).map((key) => [key, errorAt(`${root}.${key}`)])) as Partial<Record<keyof T, string | undefined>>;
}

/** How it is sent: channels (all of them, or one after another as fallbacks), priority, and its own limits. */
export function DeliveryFields({ form, errorAt, templateChannels }: DeliveryFieldsProps) {
  const values = form.values;
  // Keep the order the person arranged; a newly ticked channel goes last.
  const setChannels = (next: string[]) => {
    const kept = values.channels.filter((channel) => next.includes(channel));
    const added = (next as Channel[]).filter((channel) => !kept.includes(channel));
    form.setFieldValue('channels', [...kept, ...added]);
  };
  return (
    <Stack gap="md">
      <Checkbox.Group
        label="Channels"
        description={templateChannels ? 'Only the channels the template has content for can be chosen.' : 'Pick a template first.'}
        value={values.channels}
        onChange={setChannels}
        error={errorAt('channels')}
      >
        <Group gap="md" mt={8}>
          {channelOrder.map((channel) => {
            const Icon = channelIcons[channel];
            const isAvailable = templateChannels?.includes(channel) ?? false;
            const box = (
              <Checkbox key={channel} value={channel} disabled={!isAvailable} label={<Group gap={4} wrap="nowrap"><Icon size={14} />{channelLabels[channel]}</Group>} />
            );
            return isAvailable || !templateChannels ? box : <Tooltip key={channel} label={`The template has no ${channelLabels[channel]} content`}><div>{box}</div></Tooltip>;
          })}
        </Group>
      </Checkbox.Group>

      {values.channels.length > 1 && (
        <Input.Wrapper
          label="Send on"
          description={values.channelMode === 'all'
            ? 'Every chosen channel the recipient can receive gets the message.'
            : 'The first channel the recipient can receive; if it fails for good, the next one. Drag to set the order.'}
          error={errorAt('channelMode')}
        >
          <SegmentedControl
            mt={6}
            aria-label="Send on"
            value={values.channelMode}
            onChange={(value) => form.setFieldValue('channelMode', value as ChannelMode)}
            data={[{ value: 'all', label: 'All chosen channels' }, { value: 'fallback', label: 'First that works' }]}
            fullWidth
          />
          {values.channelMode === 'fallback' && (
            <Stack mt="sm" gap={4}>
              <ChannelOrderList value={values.channels} onChange={(next) => form.setFieldValue('channels', next)} />
              <Text fz="xs" c="dimmed">One message per person, whichever channel carries it.</Text>
            </Stack>
          )}
        </Input.Wrapper>
      )}

      <Input.Wrapper label="Priority" description="Critical and high jump the queue; low waits for spare capacity. Only critical passes quiet hours and frequency caps." error={errorAt('priority')}>
        <SegmentedControl
          mt={6}
          aria-label="Priority"
          value={values.priority}
          onChange={(value) => form.setFieldValue('priority', value as Priority)}
          data={priorities.map((value) => ({ value, label: priorityLabels[value] }))}
          fullWidth
        />
      </Input.Wrapper>

      <Stack gap="xs">
        <Switch
          label="Own rate limit"
          description="On top of the global and per-channel limits in Settings; over it, sends wait, none are dropped."
          {...form.getInputProps('hasOwnRateLimit', { type: 'checkbox' })}
        />
        <Collapse expanded={values.hasOwnRateLimit}>
          <RateLimitFields
            label="Schedule"
            value={values.rateLimit}
            onChange={(next: RateLimitDraft) => form.setFieldValue('rateLimit', next)}
            errors={errorsUnder(errorAt, 'rateLimit', values.rateLimit)}
          />
        </Collapse>
      </Stack>

      <Stack gap="xs">
        <Switch
          label="Own retry policy"
          description="Instead of the channel's or the default policy from Settings."
          {...form.getInputProps('hasOwnRetryPolicy', { type: 'checkbox' })}
        />
        <Collapse expanded={values.hasOwnRetryPolicy}>
          <RetryPolicyFields
            label="Schedule"
            value={values.retryPolicy}
            onChange={(next: RetryPolicyDraft) => form.setFieldValue('retryPolicy', next)}
            errors={errorsUnder(errorAt, 'retryPolicy', values.retryPolicy)}
          />
        </Collapse>
      </Stack>
    </Stack>
  );
}
