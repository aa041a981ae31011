import { Alert, Autocomplete, Badge, Box, Button, Grid, Group, Modal, Paper, Stack, Tabs, Text, Textarea, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertTriangle, IconCheck, IconVariable } from '@tabler/icons-react';
import { useMemo, useRef, useState, type FocusEvent } from 'react';
import { templateContentSchema, templateVariables, type Channel, type Template } from '@herald/shared';
import { channelIcons, channelLabels, channelOrder } from '../../components/badges.tsx';
import { RecipientSelect } from '../recipients/RecipientPicker.tsx';
import { issuesOf, splitIssues } from '../../lib/form-errors.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { showSubmitError } from '../../lib/submit-error.ts';
import { useIsMobile } from '../../lib/use-is-mobile.ts';
import { useSaveTemplate, useTemplateCategories, useTemplatePreview } from './api.ts';
import { channelFields, contentOf, hasChannelContent, templateFieldOf, templateToValues, valuesToTemplateInput, type TemplateFormValues } from './template-form.ts';
import { TemplatePreviewPane } from './TemplatePreviewPane.tsx';

type Focused = { path: string; element: HTMLInputElement | HTMLTextAreaElement };

function TemplateEditor({ template, onClose }: { template?: Template; onClose: () => void }) {
  const save = useSaveTemplate();
  const categories = useTemplateCategories();
  const form = useForm<TemplateFormValues>({ initialValues: templateToValues(template) });
  const [channel, setChannel] = useState<Channel>(() => channelOrder.find((item) => template?.content[item]) ?? 'email');
  const [previewAs, setPreviewAs] = useState<string | null>(null);
  const focused = useRef<Focused | null>(null);

  // The live preview follows the content half a second behind the typing.
  const [typedContent] = useDebouncedValue(form.values.content, 450);
  const previewContent = useMemo(() => {
    const content = contentOf(typedContent);
    return templateContentSchema.safeParse(content).success ? content : null;
  }, [typedContent]);
  const preview = useTemplatePreview(previewContent, previewAs);
  const previewErrors = useMemo(() => splitIssues(issuesOf(preview.error), templateFieldOf).fieldErrors, [preview.error]);
  const errorAt = (path: string): string | undefined => (form.errors[path] as string | undefined) ?? previewErrors[path];
  const hasErrorsIn = (prefix: string) => [...Object.keys(form.errors), ...Object.keys(previewErrors)].some((key) => key === prefix || key.startsWith(`${prefix}.`));

  const contentProps = (path: string) => ({
    ...form.getInputProps(path),
    error: errorAt(path),
    onFocus: (event: FocusEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      focused.current = { path, element: event.currentTarget };
    },
  });

  const insertVariable = (variable: string) => {
    const token = `{{ ${variable.replace('<name>', 'name')} }}`;
    const target = focused.current?.path.startsWith(`content.${channel}.`) ? focused.current : null;
    const path = target?.path ?? `content.${channel}.${channelFields[channel][0]?.key ?? 'body'}`;
    const current = String(form.getInputProps(path).value ?? '');
    const start = target?.element.selectionStart ?? current.length;
    const end = target?.element.selectionEnd ?? current.length;
    form.setFieldValue(path, current.slice(0, start) + token + current.slice(end));
    const element = target?.element;
    if (element) {
      requestAnimationFrame(() => {
        element.focus();
        element.setSelectionRange(start + token.length, start + token.length);
      });
    }
  };

  const submit = form.onSubmit((values) => {
    const checked = valuesToTemplateInput(values);
    if (!checked.input) {
      form.setErrors(splitIssues(checked.issues, templateFieldOf).fieldErrors);
      const firstBroken = channelOrder.find((item) => checked.issues.some((issue) => issue.field.startsWith(`content.${item}`)));
      if (firstBroken) setChannel(firstBroken);
      return;
    }
    save.mutate(
      { id: template?.id, input: checked.input },
      {
        onSuccess: (saved) => {
          notifySuccess(template ? `Saved "${saved.name}"` : `Created "${saved.name}"`);
          onClose();
        },
        onError: (error) => showSubmitError(form, error, templateFieldOf),
      },
    );
  });

  const hasContent = hasChannelContent(form.values.content, channel);
  const emptyReason = !hasContent
    ? `No ${channelLabels[channel]} content: this template will not send on ${channelLabels[channel]}.`
    : !previewContent
      ? 'Fill in the required inputs to see the preview.'
      : null;
  const hasPreviewFieldErrors = Object.keys(previewErrors).length > 0;

  return (
    <form onSubmit={submit} noValidate>
      <Grid gap="xl">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            <TextInput label="Name" required placeholder="Weekly digest" data-autofocus {...form.getInputProps('name')} />
            <Autocomplete
              label="Category"
              description="Group templates by purpose: onboarding, billing, marketing…"
              placeholder="general"
              data={categories.data?.items.map((category) => category.name) ?? []}
              {...form.getInputProps('category')}
            />
            <Textarea label="Description" placeholder="What it is for, who gets it" autosize minRows={2} maxRows={4} {...form.getInputProps('description')} />

            <Stack gap={6}>
              <Text fz="sm" fw={500}>Content</Text>
              <Text fz="xs" c="dimmed">Fill the channels this template sends on; leave the others empty. Every text is a Liquid template.</Text>
              {form.errors.content && <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} py={8}>{form.errors.content}</Alert>}
              <Tabs value={channel} onChange={(value) => value && setChannel(value as Channel)} variant="outline" radius="md">
                <Tabs.List style={{ flexWrap: 'nowrap', overflowX: 'auto', overflowY: 'hidden' }}>
                  {channelOrder.map((item) => {
                    const Icon = channelIcons[item];
                    const isFilled = hasChannelContent(form.values.content, item);
                    const isBroken = hasErrorsIn(`content.${item}`);
                    return (
                      <Tabs.Tab
                        key={item}
                        value={item}
                        leftSection={<Icon size={15} />}
                        rightSection={isBroken ? <IconAlertTriangle size={13} color="var(--mantine-color-red-6)" aria-label="has errors" /> : isFilled ? <IconCheck size={13} color="var(--mantine-color-teal-6)" aria-label="has content" /> : null}
                      >
                        {channelLabels[item]}
                      </Tabs.Tab>
                    );
                  })}
                </Tabs.List>
                {channelOrder.map((item) => (
                  <Tabs.Panel key={item} value={item} pt="md">
                    <Stack gap="sm">
                      {errorAt(`content.${item}`) && <Alert color="red" variant="light" py={8} icon={<IconAlertTriangle size={16} />}>{errorAt(`content.${item}`)}</Alert>}
                      {channelFields[item].map((field) => {
                        const path = `content.${item}.${field.key}`;
                        return field.isMultiline ? (
                          <Textarea
                            key={path}
                            label={field.label}
                            description={field.isRequired ? undefined : 'Optional'}
                            placeholder={field.placeholder}
                            autosize
                            minRows={field.key === 'html' ? 6 : 3}
                            maxRows={16}
                            styles={{ input: { fontFamily: item === 'webhook' || field.key === 'html' ? 'var(--mantine-font-family-monospace)' : undefined, fontSize: 13 } }}
                            {...contentProps(path)}
                          />
                        ) : (
                          <TextInput key={path} label={field.label} description={field.isRequired ? undefined : 'Optional'} placeholder={field.placeholder} {...contentProps(path)} />
                        );
                      })}
                    </Stack>
                  </Tabs.Panel>
                ))}
              </Tabs>
            </Stack>

            <Paper withBorder radius="md" p="sm" bg="var(--mantine-color-gray-0)">
              <Group gap={6} mb={6}>
                <IconVariable size={16} />
                <Text fz="sm" fw={500}>Variables</Text>
                <Text fz="xs" c="dimmed">click to insert where the cursor is</Text>
              </Group>
              <Group gap={6}>
                {templateVariables.map((variable) => (
                  <Tooltip key={variable} label={`Insert {{ ${variable} }}`}>
                    <UnstyledButton onClick={() => insertVariable(variable)} aria-label={`Insert variable ${variable}`}>
                      <Badge variant="outline" color="gray" tt="none" fw={500} ff="monospace" radius="sm" style={{ cursor: 'pointer' }}>{variable}</Badge>
                    </UnstyledButton>
                  </Tooltip>
                ))}
              </Group>
            </Paper>
          </Stack>
        </Grid.Col>

        <Grid.Col span={{ base: 12, md: 5 }}>
          <Box pos={{ base: 'static', md: 'sticky' }} top={0}>
            <Paper withBorder radius="lg" p="md">
              <Stack gap="sm">
                <RecipientSelect label="Preview as" placeholder="A sample recipient" value={previewAs} onChange={setPreviewAs} size="xs" />
                <TemplatePreviewPane
                  channel={channel}
                  preview={preview.data}
                  isLoading={preview.isFetching}
                  error={hasPreviewFieldErrors ? new Error('Fix the inputs marked in red.') : preview.error}
                  emptyReason={emptyReason}
                />
              </Stack>
            </Paper>
          </Box>
        </Grid.Col>
      </Grid>
      <Group justify="flex-end" gap="xs" mt="xl">
        <Button variant="default" onClick={onClose}>Cancel</Button>
        <Button type="submit" loading={save.isPending}>{template ? 'Save template' : 'Create template'}</Button>
      </Group>
    </form>
  );
}

/** Creates or edits a template, with a live preview; errors show at their inputs. */
export function TemplateEditorModal({ opened, template, onClose }: { opened: boolean; template?: Template; onClose: () => void }) {
  const isMobile = useIsMobile();
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={700} fz="lg">{template ? `Edit “${template.name}”` : 'New template'}</Text>} size={1120} fullScreen={isMobile} closeOnClickOutside={false}>
      {opened && <TemplateEditor key={template?.id ?? 'new'} template={template} onClose={onClose} />}
    </Modal>
  );
}
