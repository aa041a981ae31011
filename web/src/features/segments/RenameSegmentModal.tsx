import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Segment } from '@herald/shared';
import { issuesOf } from '../../lib/form-errors.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useSaveSegment } from './api.ts';

function RenameForm({ segment, onClose }: { segment: Segment; onClose: () => void }) {
  const save = useSaveSegment();
  const [name, setName] = useState(segment.name);
  const [error, setError] = useState<string | null>(null);
  const submit = () => {
    const trimmed = name.trim();
    if (!trimmed) return setError('Give the segment a name');
    save.mutate(
      { id: segment.id, input: { name: trimmed } },
      {
        onSuccess: (saved) => {
          notifySuccess(`Renamed to "${saved.name}"`);
          onClose();
        },
        onError: (failure) => {
          const nameIssue = issuesOf(failure).find((issue) => issue.field === 'name');
          if (nameIssue) setError(nameIssue.message);
          else notifyError(failure, 'Not renamed');
        },
      },
    );
  };
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      noValidate
    >
      <Stack gap="lg">
        <TextInput label="Name" required data-autofocus value={name} onChange={(event) => {
          setName(event.currentTarget.value);
          setError(null);
        }} error={error} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button type="submit" loading={save.isPending}>Rename</Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Renames a segment; its criteria and the schedules using it stay as they are. */
export function RenameSegmentModal({ segment, onClose }: { segment: Segment | null; onClose: () => void }) {
  return (
    <Modal opened={segment !== null} onClose={onClose} title="Rename segment" centered>
      {segment && <RenameForm key={segment.id} segment={segment} onClose={onClose} />}
    </Modal>
  );
}
