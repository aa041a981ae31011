import { ActionIcon, Badge, Button, Group, Modal, PasswordInput, Select, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconTrash, IconUserPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { roleDescriptions, roles, type Role, type User } from '../../auth/types.ts';
import { useMe } from '../../auth/use-me.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { DataTable, type Column } from '../../components/DataTable.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { showSubmitError } from '../../lib/submit-error.ts';
import { formatDateTime } from '../../lib/time.ts';
import { useIsMobile } from '../../lib/use-is-mobile.ts';
import { useChangeRole, useCreateUser, useDeleteUser, useUsers, type NewUser } from './api.ts';

export const roleOptions = roles.map((role) => ({ value: role, label: role[0]!.toUpperCase() + role.slice(1), description: roleDescriptions[role] }));

function NewUserForm({ onClose }: { onClose: () => void }) {
  const create = useCreateUser();
  const form = useForm<NewUser>({
    initialValues: { email: '', name: '', role: 'editor', password: '' },
    validate: {
      email: (value) => (/^\S+@\S+\.\S+$/.test(value.trim()) ? null : 'must be an email address'),
      password: (value) => (value.length >= 8 ? null : 'must be at least 8 characters'),
    },
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((values) =>
        create.mutate({ ...values, email: values.email.trim() }, {
          onSuccess: (user) => {
            notifySuccess(`${user.email} can now sign in`);
            onClose();
          },
          onError: (error) => showSubmitError(form, error),
        }),
      )}
    >
      <Stack gap="md">
        <TextInput label="Email" type="email" required data-autofocus {...form.getInputProps('email')} />
        <TextInput label="Name" {...form.getInputProps('name')} />
        <Select
          label="Role"
          required
          allowDeselect={false}
          data={roleOptions}
          description={roleDescriptions[form.values.role]}
          {...form.getInputProps('role')}
        />
        <PasswordInput label="Password" visibilityToggleButtonProps={{ 'aria-label': 'Show or hide what you typed' }} description="At least 8 characters; share it with them safely" required autoComplete="new-password" {...form.getInputProps('password')} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button type="submit" loading={create.isPending}>Create user</Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The people who can sign in, their roles, and adding or removing them. */
export function UsersPanel() {
  const isMobile = useIsMobile();
  const { data: me } = useMe();
  const users = useUsers();
  const changeRole = useChangeRole();
  const remove = useDeleteUser();
  const [isCreating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<User | null>(null);

  const columns: Column<User>[] = [
    {
      key: 'email',
      header: 'User',
      isPrimary: true,
      render: (user) => (
        <Stack gap={0}>
          <Group gap={6}>
            <Text fz="sm" fw={500}>{user.name || user.email}</Text>
            {user.id === me?.id && <Badge size="xs" variant="light">you</Badge>}
          </Group>
          {user.name && <Text fz="xs" c="dimmed">{user.email}</Text>}
        </Stack>
      ),
    },
    {
      key: 'role',
      header: 'Role',
      render: (user) => (
        <Select
          aria-label={`Role of ${user.email}`}
          size="xs"
          w={140}
          allowDeselect={false}
          data={roleOptions}
          value={user.role}
          disabled={user.id === me?.id}
          onChange={(role) => {
            if (!role || role === user.role) return;
            changeRole.mutate({ id: user.id, role: role as Role }, {
              onSuccess: () => notifySuccess(`${user.email} is now ${role}`),
              onError: (error) => notifyError(error, 'Role not changed'),
            });
          }}
        />
      ),
    },
    { key: 'created', header: 'Added', render: (user) => formatDateTime(user.createdAt) },
  ];

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text fz="sm" c="dimmed">People who sign in to this Herald. Roles decide what they may change.</Text>
        <Button leftSection={<IconUserPlus size={16} />} onClick={() => setCreating(true)}>New user</Button>
      </Group>
      {users.isError ? (
        <QueryError error={users.error} what="users" onRetry={() => void users.refetch()} />
      ) : (
        <DataTable
          rows={users.data?.items}
          isLoading={users.isPending}
          columns={columns}
          rowKey={(user) => user.id}
          rowLabel={(user) => user.email}
          minWidth={560}
          testId="users-table"
          actions={(user) => user.id === me?.id ? null : (
            <Tooltip label="Delete user">
              <ActionIcon variant="subtle" color="red" aria-label={`Delete ${user.email}`} onClick={() => setDeleting(user)}><IconTrash size={16} /></ActionIcon>
            </Tooltip>
          )}
        />
      )}
      <Modal opened={isCreating} onClose={() => setCreating(false)} title="New user" fullScreen={isMobile}>
        {isCreating && <NewUserForm onClose={() => setCreating(false)} />}
      </Modal>
      <ConfirmModal
        opened={deleting !== null}
        title="Delete user?"
        confirmLabel="Delete user"
        isPending={remove.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => {
          if (!deleting) return;
          remove.mutate(deleting.id, {
            onSuccess: () => {
              notifySuccess(`Deleted ${deleting.email}`);
              setDeleting(null);
            },
            onError: (error) => notifyError(error, 'Not deleted'),
          });
        }}
      >
        {deleting && <><b>{deleting.email}</b> will no longer be able to sign in.</>}
      </ConfirmModal>
    </Stack>
  );
}
