import { Button, Chip, Collapse, Group, Input, JsonInput, Modal, SegmentedControl, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import { TimeInput } from '@mantine/dates';
import { useForm } from '@mantine/form';
import type { Recipient } from '@herald/shared';
import { channelLabels, channelOrder } from '../../components/badges.tsx';
import { TimeZoneSelect } from '../../components/TimeZoneSelect.tsx';
import { splitIssues } from '../../lib/form-errors.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { showSubmitError } from '../../lib/submit-error.ts';
import { useIsMobile } from '../../lib/use-is-mobile.ts';
import { describeQuietWindow, type QuietHoursChoice } from '../delivery/quiet-hours-draft.ts';
import { useSaveRecipient } from './api.ts';
import { recipientFieldOf, recipientToValues, valuesToRecipientInput, type RecipientFormValues } from './recipient-form.ts';

type RecipientFormModalProps = { opened: boolean; recipient?: Recipient; onClose: () => void };

function RecipientForm({ recipient, onClose }: { recipient?: Recipient; onClose: () => void }) {
  const save = useSaveRecipient();
  const form = useForm<RecipientFormValues>({ initialValues: recipientToValues(recipient) });
  const ownWindow = describeQuietWindow({ start: form.values.quietStart, end: form.values.quietEnd });

  const submit = form.onSubmit((values) => {
    const checked = valuesToRecipientInput(values);
    if (!checked.input) {
      form.setErrors(splitIssues(checked.issues, recipientFieldOf).fieldErrors);
      return;
    }
    save.mutate(
      { id: recipient?.id, input: checked.input },
      {
        onSuccess: (saved) => {
          notifySuccess(recipient ? `Saved ${saved.name || saved.externalId}` : `Added ${saved.name || saved.externalId}`);
          onClose();
        },
        onError: (error) => showSubmitError(form, error, recipientFieldOf),
      },
    );
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          <TextInput label="External ID" description="Your app's id for this person" required data-autofocus {...form.getInputProps('externalId')} />
          <TextInput label="Name" {...form.getInputProps('name')} />
          <TextInput label="Email" type="email" placeholder="ada@example.com" {...form.getInputProps('email')} />
          <TextInput label="Phone" placeholder="+14155550123" description="E.164, with the country code" {...form.getInputProps('phone')} />
          <TimeZoneSelect label="Time zone" placeholder="Unknown: the schedule's zone is used" clearable {...form.getInputProps('timezone')} />
          <TextInput label="Locale" placeholder="en, pt-BR" {...form.getInputProps('locale')} />
        </SimpleGrid>
        <JsonInput
          label="Attributes"
          description="A JSON object that templates read as recipient.attributes.<name> and segments filter on"
          placeholder={'{\n  "plan": "pro",\n  "signupDate": "2026-01-15"\n}'}
          validationError="Not valid JSON"
          formatOnBlur
          autosize
          minRows={4}
          maxRows={12}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
          {...form.getInputProps('attributes')}
        />
        <Stack gap={6}>
          <Text fz="sm" fw={500}>Opted out of</Text>
          <Chip.Group multiple {...form.getInputProps('optedOutChannels')}>
            <Group gap={6}>
              {channelOrder.map((channel) => (
                <Chip key={channel} value={channel} size="sm" variant="outline" color="red" aria-label={`Opted out of ${channelLabels[channel]}`}>{channelLabels[channel]}</Chip>
              ))}
            </Group>
          </Chip.Group>
          {form.errors.optedOutChannels && <Text fz="xs" c="red">{form.errors.optedOutChannels}</Text>}
        </Stack>
        <Input.Wrapper label="Quiet hours" description="Messages due inside them wait until they end, in this person's time zone; critical ones go anyway" error={form.errors.quietHours}>
          <Stack gap="xs" mt={6}>
            <SegmentedControl
              aria-label="Quiet hours"
              data={[
                { value: 'instance', label: 'As in settings' },
                { value: 'own', label: 'Their own' },
                { value: 'none', label: 'None' },
              ] satisfies Array<{ value: QuietHoursChoice; label: string }>}
              {...form.getInputProps('quietHours')}
            />
            <Collapse expanded={form.values.quietHours === 'own'}>
              <SimpleGrid cols={2} spacing="sm">
                <TimeInput label="Quiet from" aria-label="Their quiet hours start" {...form.getInputProps('quietStart')} />
                <TimeInput label="Until" aria-label="Their quiet hours end" {...form.getInputProps('quietEnd')} />
              </SimpleGrid>
              {ownWindow && <Text fz="xs" c="dimmed" mt={4}>{ownWindow}.</Text>}
            </Collapse>
            {form.values.quietHours === 'none' && <Text fz="xs" c="dimmed">Messages reach this person at any hour, whatever the settings say.</Text>}
          </Stack>
        </Input.Wrapper>
        <Switch label="Active" description="Inactive recipients are left out of every send" {...form.getInputProps('isActive', { type: 'checkbox' })} />
        <Group justify="flex-end" gap="xs" mt="xs">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button type="submit" loading={save.isPending}>{recipient ? 'Save' : 'Add recipient'}</Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Adds or edits one recipient; errors show at their inputs. */
export function RecipientFormModal({ opened, recipient, onClose }: RecipientFormModalProps) {
  const isMobile = useIsMobile();
  return (
    <Modal opened={opened} onClose={onClose} title={recipient ? 'Edit recipient' : 'Add recipient'} size="lg" fullScreen={isMobile}>
      {/* keyed so that opening another recipient starts from its values */}
      {opened && <RecipientForm key={recipient?.id ?? 'new'} recipient={recipient} onClose={onClose} />}
    </Modal>
  );
}
