import { ActionIcon, Alert, Badge, Button, Code, CopyButton, Group, Modal, Select, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconCheck, IconCopy, IconKey, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { roleDescriptions, type ApiToken, type Role } from '../../auth/types.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { Empty } from '../../components/Empty.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { showSubmitError } from '../../lib/submit-error.ts';
import { formatDateTime, formatRelative } from '../../lib/time.ts';
import { useIsMobile } from '../../lib/use-is-mobile.ts';
import { useCreateToken, useRevokeToken, useTokens } from './api.ts';
import { roleOptions } from './UsersPanel.tsx';

const columns: Column<ApiToken>[] = [
  { key: 'name', header: 'Name', isPrimary: true, render: (token) => <Text fz="sm" fw={500}>{token.name}</Text> },
  { key: 'prefix', header: 'Token', render: (token) => <Code>{token.prefix}…</Code> },
  { key: 'role', header: 'Role', render: (token) => <Badge variant="light" radius="sm">{token.role}</Badge> },
  { key: 'used', header: 'Last used', render: (token) => (token.lastUsedAt ? formatRelative(token.lastUsedAt) : <Text span fz="sm" c="dimmed">Never</Text>) },
  { key: 'created', header: 'Created', render: (token) => formatDateTime(token.createdAt) },
];

function ShownOnce({ token, onClose }: { token: string; onClose: () => void }) {
  return (
    <Stack gap="md">
      <Alert color="yellow" variant="light" title="Copy it now">
        This is the only time Herald shows this token. Store it in your app's secrets; if it is lost, revoke it and create another.
      </Alert>
      <Group gap="xs" wrap="nowrap">
        <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid="new-token">{token}</Code>
        <CopyButton value={token}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : 'Copy'}>
              <ActionIcon variant={copied ? 'filled' : 'default'} color={copied ? 'teal' : undefined} size="lg" onClick={copy} aria-label="Copy token">
                {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
      <Text fz="xs" c="dimmed">Send it as <Code>Authorization: Bearer {'<token>'}</Code>.</Text>
      <Group justify="flex-end"><Button onClick={onClose}>Done</Button></Group>
    </Stack>
  );
}

function NewTokenForm({ onCreated, onClose }: { onCreated: (token: string) => void; onClose: () => void }) {
  const create = useCreateToken();
  const form = useForm<{ name: string; role: Role }>({
    initialValues: { name: '', role: 'editor' },
    validate: { name: (value) => (value.trim() ? null : 'is required') },
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((values) =>
        create.mutate({ name: values.name.trim(), role: values.role }, {
          onSuccess: (created) => onCreated(created.token),
          onError: (error) => showSubmitError(form, error),
        }),
      )}
    >
      <Stack gap="md">
        <TextInput label="Name" description="Which program uses it, e.g. Backend (production)" required data-autofocus {...form.getInputProps('name')} />
        <Select label="Role" required allowDeselect={false} data={roleOptions} description={roleDescriptions[form.values.role]} {...form.getInputProps('role')} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button type="submit" loading={create.isPending}>Create token</Button>
        </Group>
      </Stack>
    </form>
  );
}

/** API tokens for programs: create one (shown once, with a copy button), revoke. */
export function TokensPanel() {
  const isMobile = useIsMobile();
  const tokens = useTokens();
  const revoke = useRevokeToken();
  const [isCreating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const close = () => {
    setCreating(false);
    setCreated(null);
  };

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text fz="sm" c="dimmed">Programs call the API with a token. Give each program its own, with the smallest role it needs.</Text>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>New token</Button>
      </Group>
      {tokens.isError ? (
        <QueryError error={tokens.error} what="tokens" onRetry={() => void tokens.refetch()} />
      ) : tokens.data && tokens.data.items.length === 0 ? (
        <Empty icon={<IconKey size={28} />} title="No API tokens" description="Create one for your backend to push recipients and events." action={<Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>New token</Button>} />
      ) : (
        <DataTable
          rows={tokens.data?.items}
          isLoading={tokens.isPending}
          columns={columns}
          rowKey={(token) => token.id}
          rowLabel={(token) => token.name}
          minWidth={640}
          testId="tokens-table"
          actions={(token) => (
            <Tooltip label="Revoke">
              <ActionIcon variant="subtle" color="red" aria-label={`Revoke ${token.name}`} onClick={() => setRevoking(token)}><IconTrash size={16} /></ActionIcon>
            </Tooltip>
          )}
        />
      )}
      <Modal opened={isCreating} onClose={close} title={created ? 'Your new API token' : 'New API token'} fullScreen={isMobile} closeOnClickOutside={!created}>
        {isCreating && (created ? <ShownOnce token={created} onClose={close} /> : <NewTokenForm onCreated={setCreated} onClose={close} />)}
      </Modal>
      <ConfirmModal
        opened={revoking !== null}
        title="Revoke token?"
        confirmLabel="Revoke"
        isPending={revoke.isPending}
        onClose={() => setRevoking(null)}
        onConfirm={() => {
          if (!revoking) return;
          revoke.mutate(revoking.id, {
            onSuccess: () => {
              notifySuccess(`Revoked ${revoking.name}`);
              setRevoking(null);
            },
            onError: (error) => notifyError(error, 'Not revoked'),
          });
        }}
      >
        {revoking && <>Programs using <b>{revoking.name}</b> (<Code>{revoking.prefix}…</Code>) will be refused from now on.</>}
      </ConfirmModal>
    </Stack>
  );
}
