import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';

type PauseModalProps = {
  opened: boolean;
  /** what is being paused, e.g. "Weekly digest" or "3 schedules" */
  what: string;
  isPending?: boolean;
  onConfirm: (reason: string) => void;
  onClose: () => void;
};

/** Asks why before pausing; the reason is kept in each schedule's history. */
export function PauseModal({ opened, what, isPending, onConfirm, onClose }: PauseModalProps) {
  const [reason, setReason] = useState('');
  const close = () => {
    setReason('');
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Pause" centered radius="lg">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm(reason.trim());
          setReason('');
        }}
      >
        <Stack gap="md">
          <Text fz="sm">Pause <b>{what}</b>? Nothing is sent until it is resumed; runs already sending finish.</Text>
          <Textarea
            label="Reason"
            description="Optional; shown in the history"
            placeholder="e.g. holiday freeze, content under review"
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            maxLength={500}
            autosize
            minRows={2}
            data-autofocus
          />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={isPending}>Pause</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
