import { Button, Grid, Group, Modal, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { isTimeZone, timingSchema, type Schedule, type Template, type Timing } from '@herald/shared';
import { useMemo, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { TimeZoneSelect } from '../../components/TimeZoneSelect.tsx';
import { issuesOf, splitIssues } from '../../lib/form-errors.ts';
import { messageOf, notifyError, notifySuccess } from '../../lib/notify.ts';
import { showSubmitError } from '../../lib/submit-error.ts';
import { browserTimeZone, nowInZone } from '../../lib/time.ts';
import { useIsMobile } from '../../lib/use-is-mobile.ts';
import { useTemplate } from '../templates/api.ts';
import { channelsOf } from '../templates/template-form.ts';
import { useSaveSchedule, useTimingPreview } from './api.ts';
import { AudienceFields } from './AudienceFields.tsx';
import { DeliveryFields } from './DeliveryFields.tsx';
import { NextRunsPanel } from './NextRunsPanel.tsx';
import { scheduleFieldOf, scheduleToValues, timingOf, valuesToScheduleInput, type ScheduleFormValues } from './schedule-form.ts';
import { TemplateSelect } from './TemplateSelect.tsx';
import { TimingFields } from './TimingFields.tsx';

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap="sm" component="section" aria-label={title}>
      <Title order={3} fz="xs" tt="uppercase" c="dimmed" lts={0.6}>{title}</Title>
      {children}
    </Stack>
  );
}

/** A new one-time schedule defaults to the first quarter hour at least 30 minutes away. */
function defaultSendTime(timezone: string): { onceDate: string; onceTime: string } {
  // Zone offsets are whole quarter hours, so rounding the viewer's minutes rounds the zone's.
  const minutes = new Date().getMinutes();
  const { date, time } = nowInZone(timezone, 30 + ((15 - (minutes % 15)) % 15));
  return { onceDate: date, onceTime: time };
}

type ScheduleFormProps = { schedule?: Schedule; template?: Template; templateId?: string; onClose: () => void };

function ScheduleForm({ schedule, template, templateId, onClose }: ScheduleFormProps) {
  const navigate = useNavigate();
  const save = useSaveSchedule();
  const timezone = browserTimeZone();
  const form = useForm<ScheduleFormValues>({
    initialValues: scheduleToValues(schedule, {
      templateId: template?.id ?? templateId ?? null,
      name: template?.name ?? '',
      channels: template ? channelsOf(template) : [],
      timezone,
      ...defaultSendTime(timezone),
    }),
  });
  const values = form.values;
  const chosenTemplate = useTemplate(values.templateId);
  const templateChannels = useMemo(() => (chosenTemplate.data ? channelsOf(chosenTemplate.data) : null), [chosenTemplate.data]);

  // The preview follows the timing 400 ms behind the typing; the key is a string so an
  // unchanged timing does not restart the wait.
  const [previewKey] = useDebouncedValue(JSON.stringify({ timezone: values.timezone, timing: timingOf(values) }), 400);
  const previewRequest = useMemo(() => {
    const parsed = JSON.parse(previewKey) as { timezone: string; timing: Timing };
    const isComplete = timingSchema.safeParse(parsed.timing).success && isTimeZone(parsed.timezone);
    return isComplete ? parsed : null;
  }, [previewKey]);
  const preview = useTimingPreview(previewRequest?.timezone ?? values.timezone, previewRequest?.timing ?? null);
  const previewSplit = useMemo(() => splitIssues(issuesOf(preview.error), scheduleFieldOf), [preview.error]);
  const errorAt = (path: string): string | undefined => (form.errors[path] as string | undefined) ?? previewSplit.fieldErrors[path];
  const previewProblem = !previewRequest
    ? 'Complete the timing to see when it sends.'
    : preview.error
      ? Object.keys(previewSplit.fieldErrors).length > 0
        ? 'Fix the timing inputs marked in red.'
        : messageOf(preview.error)
      : null;

  const pickTemplate = (picked: Template | null) => {
    const previous = chosenTemplate.data;
    form.setFieldValue('templateId', picked?.id ?? null);
    if (!picked) return;
    const available = channelsOf(picked);
    const kept = values.channels.filter((channel) => available.includes(channel));
    form.setFieldValue('channels', kept.length > 0 ? kept : available);
    if (!values.name.trim() || values.name === previous?.name) form.setFieldValue('name', picked.name);
  };

  const submit = form.onSubmit((formValues) => {
    const checked = valuesToScheduleInput(formValues);
    if (!checked.input) {
      const { fieldErrors, unplaced } = splitIssues(checked.issues, scheduleFieldOf);
      form.setErrors(fieldErrors);
      if (unplaced.length > 0) notifyError(null, 'Not saved', unplaced);
      return;
    }
    save.mutate(
      { id: schedule?.id, input: checked.input },
      {
        onSuccess: (saved) => {
          notifySuccess(schedule ? `Saved "${saved.name}"` : `Scheduled "${saved.name}"`);
          onClose();
          if (!schedule) void navigate(`/schedules/${saved.id}`);
        },
        onError: (error) => showSubmitError(form, error, scheduleFieldOf),
      },
    );
  });

  const nextRuns = <NextRunsPanel timezone={values.timezone} preview={preview.data} isFetching={preview.isFetching} problem={previewProblem} />;

  return (
    <form onSubmit={submit} noValidate>
      <Grid gap="xl">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="xl">
            <Section title="What">
              <TextInput label="Name" required placeholder="Weekly digest, Monday mornings" {...form.getInputProps('name')} />
              <TemplateSelect
                label="Template"
                required
                placeholder="Pick a template"
                value={values.templateId}
                onChange={pickTemplate}
                error={errorAt('templateId')}
                data-testid="schedule-template"
              />
            </Section>

            <Section title="When">
              <TimeZoneSelect label="Time zone" required allowDeselect={false} data-testid="schedule-timezone" {...form.getInputProps('timezone')} error={errorAt('timezone')} />
              <TimingFields form={form} errorAt={errorAt} description={values.frequency === 'cron' && values.mode === 'recurring' ? preview.data?.description : undefined} />
              <Stack hiddenFrom="md">{nextRuns}</Stack>
            </Section>

            <Section title="Who">
              <AudienceFields form={form} errorAt={errorAt} />
            </Section>

            <Section title="How">
              <DeliveryFields form={form} errorAt={errorAt} templateChannels={templateChannels} />
              {schedule && schedule.status !== 'completed' && (
                <Switch label="Paused" description="A paused schedule keeps its settings but does not send." {...form.getInputProps('isPaused', { type: 'checkbox' })} />
              )}
            </Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }} visibleFrom="md">
          {/* below the modal's header, itself sticky and 60 px high, so the times stay in sight */}
          <div style={{ position: 'sticky', top: 'calc(60px + var(--mantine-spacing-xs))' }}>{nextRuns}</div>
        </Grid.Col>
      </Grid>
      <Group justify="flex-end" gap="xs" mt="xl">
        <Text fz="xs" c="dimmed" mr="auto" visibleFrom="sm">Times are wall-clock times in the schedule’s time zone.</Text>
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <Button type="submit" loading={save.isPending} data-testid="schedule-submit">{schedule ? 'Save schedule' : 'Create schedule'}</Button>
      </Group>
    </form>
  );
}

type ScheduleModalProps = {
  opened: boolean;
  onClose: () => void;
  /** edit this schedule; without it the modal creates one */
  schedule?: Schedule;
  /** preselect this template (from its card) */
  templateId?: string;
  template?: Template;
};

/** Creates or edits a schedule: what, when (with the next send times live), who, how. */
export function ScheduleModal({ opened, onClose, schedule, templateId, template }: ScheduleModalProps) {
  const isMobile = useIsMobile();
  const title = schedule ? `Edit “${schedule.name}”` : template ? `Schedule “${template.name}”` : 'New schedule';
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={700} fz="lg">{title}</Text>} size={1040} fullScreen={isMobile} closeOnClickOutside={false}>
      {opened && <ScheduleForm key={schedule?.id ?? template?.id ?? templateId ?? 'new'} schedule={schedule} template={template} templateId={templateId} onClose={onClose} />}
    </Modal>
  );
}
