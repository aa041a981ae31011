import { Alert, Anchor, Button, Collapse, Fieldset, Group, NumberInput, Paper, SimpleGrid, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconInfoCircle, IconWorld } from '@tabler/icons-react';
import type { Channel, DeliverySettings, DeliveryUsage } from '@herald/shared';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { usePermissions } from '../../auth/use-me.ts';
import { channelIcons, channelLabels, channelOrder } from '../../components/badges.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { splitIssues } from '../../lib/form-errors.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { showSubmitError } from '../../lib/submit-error.ts';
import { browserTimeZone } from '../../lib/time.ts';
import { useDeliverySettings, useDeliveryUsage, useSaveDeliverySettings } from '../delivery/api.ts';
import {
  checkDeliverySettings, deliverySettingsFieldOf, errorsUnder, valuesOfSettings, withoutErrorsUnder,
  type DeliverySettingsFormValues, type LimitToggle, type PolicyToggle,
} from '../delivery/delivery-settings-form.ts';
import { FrequencyCapFields } from '../delivery/FrequencyCapFields.tsx';
import { QuietHoursFields } from '../delivery/QuietHoursFields.tsx';
import { describeRateLimit } from '../delivery/limit-drafts.ts';
import { usageByKey } from '../delivery/limit-usage.ts';
import { LimitUsage } from '../delivery/LimitUsage.tsx';
import { RateLimitCard } from '../delivery/RateLimitCard.tsx';
import { RetryPolicyFields } from '../delivery/RetryPolicyFields.tsx';

const channelProviders: Record<Channel, string> = {
  email: 'Messages to your SMTP server',
  inapp: 'Messages into the in-app inbox',
  sms: 'Messages to your SMS provider',
  push: 'Messages to the web push services',
  webhook: 'Requests to your webhook receivers',
};

function Section({ title, description, children }: { title: string; description: ReactNode; children: ReactNode }) {
  return (
    <Stack gap="sm" component="section" aria-label={title}>
      <Stack gap={2}>
        <Title order={2} fz="lg">{title}</Title>
        <Text fz="sm" c="dimmed">{description}</Text>
      </Stack>
      {children}
    </Stack>
  );
}

/** The limits schedules set for themselves, with their usage: read here, edited on each schedule. */
function ScheduleLimits({ usage }: { usage: DeliveryUsage | undefined }) {
  const limits = (usage?.limits ?? []).filter((limit) => limit.scope === 'schedule');
  if (limits.length === 0) return null;
  return (
    <Paper withBorder radius="lg" p="md" aria-label="Schedules with their own limit">
      <Text fw={600} fz="sm" mb={4}>Schedules with their own limit</Text>
      <Text fz="xs" c="dimmed" mb="sm">Set in each schedule; they apply on top of the limits above.</Text>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        {limits.map((limit) => (
          <Stack key={limit.key} gap={4}>
            <Anchor component={Link} to={`/schedules/${limit.scheduleId}`} fz="sm" fw={500}>{limit.scheduleName ?? limit.scheduleId}</Anchor>
            <Text fz="xs" c="dimmed">{describeRateLimit(limit.limit)}</Text>
            <LimitUsage usage={limit} label={limit.scheduleName ?? 'Schedule'} />
          </Stack>
        ))}
      </SimpleGrid>
    </Paper>
  );
}

/** Brings the first input marked in red into view, so a save refused below the fold is not silent. */
function revealFirstError(container: HTMLElement | null) {
  requestAnimationFrame(() => {
    const first = container?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    first?.focus({ preventScroll: true });
  });
}

function DeliverySettingsForm({ settings }: { settings: DeliverySettings }) {
  const { isAdmin } = usePermissions();
  const usage = useDeliveryUsage();
  const usageOf = usageByKey(usage.data);
  const save = useSaveDeliverySettings();
  const form = useForm<DeliverySettingsFormValues>({ initialValues: valuesOfSettings(settings, browserTimeZone()) });
  const values = form.values;
  const errorAt = (path: string) => form.errors[path] as string | undefined;

  // Setting a whole limit or policy: its errors are stale (a rule may tie its fields together).
  const update = <K extends keyof DeliverySettingsFormValues>(key: K, next: DeliverySettingsFormValues[K], errorPrefix: string) => {
    form.setFieldValue(key, next as never);
    form.setErrors((current) => withoutErrorsUnder(current, errorPrefix) as typeof current);
  };
  const setChannelLimit = (channel: Channel, next: LimitToggle) => update('channelLimits', { ...values.channelLimits, [channel]: next }, `rateLimits.channels.${channel}`);
  const setChannelRetry = (channel: Channel, next: PolicyToggle) => update('channelRetries', { ...values.channelRetries, [channel]: next }, `retryPolicies.channels.${channel}`);

  const submit = form.onSubmit((formValues, event) => {
    const container = event?.currentTarget instanceof HTMLElement ? event.currentTarget : null;
    const checked = checkDeliverySettings(formValues);
    if (!checked.input) {
      const { fieldErrors, unplaced } = splitIssues(checked.issues, deliverySettingsFieldOf);
      form.setErrors(fieldErrors);
      if (unplaced.length > 0) notifyError(null, 'Not saved', unplaced);
      revealFirstError(container);
      return;
    }
    save.mutate(checked.input, {
      onSuccess: (saved) => {
        const next = valuesOfSettings(saved, browserTimeZone());
        form.setInitialValues(next);
        form.setValues(next);
        form.resetDirty(next);
        notifySuccess('Delivery settings saved');
      },
      onError: (error) => {
        showSubmitError(form, error, deliverySettingsFieldOf);
        revealFirstError(container);
      },
    });
  });

  const isDirty = form.isDirty();

  return (
    <form onSubmit={submit} noValidate aria-label="Delivery settings">
      {!isAdmin && (
        <Alert color="blue" variant="light" icon={<IconInfoCircle size={18} />} mb="lg">
          Only admins can change these settings; you see them as they apply now.
        </Alert>
      )}
      <Fieldset variant="unstyled" disabled={!isAdmin} p={0} m={0}>
        <Stack gap="xl">
          <Section title="Rate limits" description="Over a limit, messages wait for a free slot; none is dropped. Every worker process shares the same limits.">
            <RateLimitCard
              label="Global"
              description="Every message, whatever its channel"
              icon={IconWorld}
              value={values.globalLimit}
              onChange={(next) => update('globalLimit', next, 'rateLimits.global')}
              errors={errorsUnder(errorAt, 'rateLimits.global', values.globalLimit.limit)}
              usage={usageOf.get('global')}
              offText="No limit across channels."
              testId="limit-global"
            />
            <Stack gap="md">
              {channelOrder.map((channel) => (
                <RateLimitCard
                  key={channel}
                  label={channelLabels[channel]}
                  description={channelProviders[channel]}
                  icon={channelIcons[channel]}
                  value={values.channelLimits[channel]}
                  onChange={(next) => setChannelLimit(channel, next)}
                  errors={errorsUnder(errorAt, `rateLimits.channels.${channel}`, values.channelLimits[channel].limit)}
                  usage={usageOf.get(`channel:${channel}`)}
                  offText="No limit of its own; the global limit still applies."
                  testId={`limit-${channel}`}
                />
              ))}
            </Stack>
            <ScheduleLimits usage={usage.data} />
          </Section>

          <Section title="Retries" description="How often a failed send is tried again. A channel's own policy wins over the default; a schedule's own policy wins over both.">
            <Paper withBorder radius="lg" p="md">
              <Text fw={600} fz="sm" mb="sm">Default policy</Text>
              <RetryPolicyFields
                label="Default"
                value={values.defaultRetry}
                onChange={(next) => update('defaultRetry', next, 'retryPolicies.default')}
                errors={errorsUnder(errorAt, 'retryPolicies.default', values.defaultRetry)}
              />
            </Paper>
            <Paper withBorder radius="lg" p="md">
              <Stack gap="md">
                {channelOrder.map((channel) => {
                  const override = values.channelRetries[channel];
                  return (
                    <Stack key={channel} gap="xs">
                      <Switch
                        label={`${channelLabels[channel]}: own retry policy`}
                        description={override.isOn ? undefined : 'Uses the default policy'}
                        checked={override.isOn}
                        onChange={(event) => setChannelRetry(channel, { ...override, isOn: event.currentTarget.checked })}
                      />
                      <Collapse expanded={override.isOn}>
                        <RetryPolicyFields
                          label={channelLabels[channel]}
                          value={override.policy}
                          onChange={(policy) => setChannelRetry(channel, { ...override, policy })}
                          errors={errorsUnder(errorAt, `retryPolicies.channels.${channel}`, override.policy)}
                        />
                      </Collapse>
                    </Stack>
                  );
                })}
              </Stack>
            </Paper>
          </Section>

          <Section title="Frequency cap" description="At most this many notifications per person in any 24 hours and 7 days, across all schedules. Over it, a message waits; critical ones pass (and still count).">
            <Paper withBorder radius="lg" p="md">
              <FrequencyCapFields
                value={values.frequencyCap}
                onChange={(next) => update('frequencyCap', next, 'frequencyCap')}
                errors={errorsUnder(errorAt, 'frequencyCap', values.frequencyCap)}
                usage={usage.data?.frequencyCap}
              />
            </Paper>
          </Section>

          <Section title="Quiet hours" description="A message due inside them waits until they end, on each person's own clock; none is dropped, and critical ones go anyway. A person can have hours of their own, or none, on their recipient page.">
            <Paper withBorder radius="lg" p="md">
              <QuietHoursFields
                value={values.quietHours}
                onChange={(next) => update('quietHours', next, 'quietHours')}
                errors={errorsUnder(errorAt, 'quietHours', values.quietHours)}
              />
            </Paper>
          </Section>

          <Section title="Cost per message" description="In your account's currency; recorded on each message sent, and summed per channel on each schedule's page. Empty: not counted.">
            <Paper withBorder radius="lg" p="md">
              <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
                {channelOrder.map((channel) => (
                  <NumberInput
                    key={channel}
                    label={channelLabels[channel]}
                    aria-label={`Cost of one ${channelLabels[channel]} message`}
                    placeholder="Not counted"
                    min={0}
                    max={1000}
                    step={0.001}
                    decimalScale={4}
                    value={values.costs[channel]}
                    onChange={(next) => update('costs', { ...values.costs, [channel]: next }, `costs.${channel}`)}
                    error={errorAt(`costs.${channel}`)}
                  />
                ))}
              </SimpleGrid>
            </Paper>
          </Section>
        </Stack>
      </Fieldset>

      {isAdmin && (
        // Sticky only while there is something to save, so it covers nothing the rest of the time.
        <Paper withBorder shadow={isDirty ? 'md' : undefined} radius="lg" p="sm" mt="xl" pos={isDirty ? 'sticky' : 'static'} bottom={8} style={{ zIndex: 5 }}>
          <Group justify="space-between" wrap="nowrap" gap="sm">
            <Text fz="sm" c={isDirty ? undefined : 'dimmed'} fw={isDirty ? 600 : undefined} truncate>{isDirty ? <>Unsaved<Text span inherit visibleFrom="xs"> changes</Text></> : 'Saved'}</Text>
            <Group gap="xs" wrap="nowrap">
              {isDirty && <Button variant="default" onClick={() => form.reset()}>Discard</Button>}
              <Button type="submit" loading={save.isPending} disabled={!isDirty} data-testid="delivery-save">Save</Button>
            </Group>
          </Group>
        </Paper>
      )}
    </form>
  );
}

/** Settings → Delivery: rate limits with their live usage, retry policies, the frequency cap, quiet hours and costs. */
export function DeliverySettingsPanel() {
  const settings = useDeliverySettings();
  if (settings.isError) return <QueryError error={settings.error} what="the delivery settings" onRetry={() => void settings.refetch()} />;
  if (settings.isPending) return <Stack gap="md">{[0, 1, 2].map((i) => <Skeleton key={i} h={160} radius="lg" />)}</Stack>;
  return <DeliverySettingsForm settings={settings.data} />;
}
