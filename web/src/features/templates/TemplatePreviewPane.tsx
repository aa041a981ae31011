import { Alert, Anchor, Box, Code, Group, Loader, Paper, ScrollArea, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconAlertTriangle, IconBell, IconEye } from '@tabler/icons-react';
import type { Channel, TemplatePreview } from '@herald/shared';
import { channelLabels } from '../../components/badges.tsx';
import { messageOf } from '../../lib/notify.ts';

type PreviewPaneProps = {
  channel: Channel;
  preview: TemplatePreview | undefined;
  isLoading: boolean;
  error: unknown;
  /** why there is nothing to render yet, e.g. a required input is empty */
  emptyReason: string | null;
};

function RenderedChannel({ channel, rendered }: { channel: Channel; rendered: Record<string, string> }) {
  switch (channel) {
    case 'email':
      return (
        <Stack gap="xs">
          <Text fz="sm"><Text span c="dimmed" fz="sm">Subject: </Text><b>{rendered.subject}</b></Text>
          <Box style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 'var(--mantine-radius-md)', overflow: 'hidden', background: 'white' }}>
            {/* sandboxed: the HTML is the admin's, but scripts in it must not run in Herald's page */}
            <iframe title="Email preview" sandbox="" srcDoc={rendered.html ?? ''} style={{ width: '100%', height: 320, border: 0, display: 'block' }} />
          </Box>
          {rendered.text && (
            <>
              <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>Plain text</Text>
              <Code block style={{ whiteSpace: 'pre-wrap' }}>{rendered.text}</Code>
            </>
          )}
        </Stack>
      );
    case 'sms':
      return (
        <Group justify="flex-start">
          <Paper bg="var(--mantine-color-gray-1)" px="md" py="sm" radius="xl" maw="85%" style={{ borderBottomLeftRadius: 4 }}>
            <Text fz="sm" style={{ whiteSpace: 'pre-wrap' }}>{rendered.body}</Text>
          </Paper>
          <Text fz="xs" c="dimmed" w="100%">{rendered.body?.length ?? 0} characters</Text>
        </Group>
      );
    case 'push':
    case 'inapp':
      return (
        <Paper withBorder shadow="sm" radius="lg" p="md">
          <Group align="flex-start" wrap="nowrap" gap="sm">
            <ThemeIcon variant="light" radius="md" size="lg"><IconBell size={18} /></ThemeIcon>
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Text fw={600} fz="sm">{rendered.title}</Text>
              <Text fz="sm" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>{rendered.body}</Text>
              {rendered.url && <Anchor fz="xs" href={rendered.url} target="_blank" rel="noreferrer" truncate>{rendered.url}</Anchor>}
            </Stack>
          </Group>
        </Paper>
      );
    case 'webhook':
      return <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{rendered.body}</Code>;
  }
}

/** What the active channel's content looks like, rendered by the server for a sample recipient. */
export function TemplatePreviewPane({ channel, preview, isLoading, error, emptyReason }: PreviewPaneProps) {
  const rendered = preview?.rendered[channel];
  const renderError = preview?.errors.find((item) => item.channel === channel);
  return (
    <Stack gap="sm" data-testid="template-preview">
      <Group justify="space-between">
        <Group gap={6}>
          <IconEye size={16} />
          <Text fw={600} fz="sm">Preview · {channelLabels[channel]}</Text>
        </Group>
        {isLoading && <Loader size="xs" aria-label="Rendering preview" />}
      </Group>
      <ScrollArea.Autosize mah={560} type="auto">
        {emptyReason ? (
          <Text fz="sm" c="dimmed" py="lg" ta="center">{emptyReason}</Text>
        ) : error ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} title="Does not render">{messageOf(error)}</Alert>
        ) : renderError ? (
          <Alert color="orange" variant="light" icon={<IconAlertTriangle size={16} />} title="Does not render for this recipient">{renderError.message}</Alert>
        ) : rendered ? (
          <RenderedChannel channel={channel} rendered={rendered} />
        ) : (
          <Text fz="sm" c="dimmed" py="lg" ta="center">Write some content to see it here.</Text>
        )}
      </ScrollArea.Autosize>
    </Stack>
  );
}
