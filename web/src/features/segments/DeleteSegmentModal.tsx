import { Alert, Anchor, List, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { Link } from 'react-router';
import type { Segment } from '@herald/shared';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { ApiError } from '../../lib/api.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { useDeleteSegment } from './api.ts';

type DeleteSegmentModalProps = { segment: Segment | null; onClose: () => void; onDeleted?: () => void };

/** Asks before deleting a segment; a segment that schedules still send to is refused, and the modal says which. */
export function DeleteSegmentModal({ segment, onClose, onDeleted }: DeleteSegmentModalProps) {
  const remove = useDeleteSegment();
  const close = () => {
    remove.reset();
    onClose();
  };
  const isInUse = remove.error instanceof ApiError && remove.error.status === 409;
  return (
    <ConfirmModal
      opened={segment !== null}
      title="Delete segment?"
      confirmLabel="Delete"
      isPending={remove.isPending}
      onClose={close}
      onConfirm={() => {
        if (!segment) return;
        remove.mutate(segment.id, {
          onSuccess: () => {
            notifySuccess(`Deleted "${segment.name}"`);
            close();
            onDeleted?.();
          },
        });
      }}
    >
      {segment && (
        <>
          <Text fz="sm">Delete <b>{segment.name}</b>? Runs that already went out keep their numbers.</Text>
          {segment.schedules.length > 0 && !remove.error && (
            <Text fz="sm" mt="xs" c="orange.8">It is the audience of {segment.schedules.length === 1 ? 'a schedule' : `${segment.schedules.length} schedules`}: give {segment.schedules.length === 1 ? 'it' : 'them'} another audience first.</Text>
          )}
          {remove.error && (
            <Alert mt="sm" color="red" variant="light" icon={<IconAlertTriangle size={16} />} title={isInUse ? 'This segment is in use' : 'Not deleted'} role="alert">
              <Text fz="sm">{remove.error.message}</Text>
              {isInUse && segment.schedules.length > 0 && (
                <List size="sm" mt={6}>
                  {segment.schedules.map((schedule) => (
                    <List.Item key={schedule.id}><Anchor component={Link} to={`/schedules/${schedule.id}`} fz="sm">{schedule.name}</Anchor></List.Item>
                  ))}
                </List>
              )}
            </Alert>
          )}
        </>
      )}
    </ConfirmModal>
  );
}
