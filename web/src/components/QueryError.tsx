import { Alert, Button, Group, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { messageOf } from '../lib/notify.ts';

/** A failed load, with a way to try again. */
export function QueryError({ error, onRetry, what = 'this' }: { error: unknown; onRetry?: () => void; what?: string }) {
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title={`Could not load ${what}`} role="alert">
      <Group justify="space-between" gap="sm">
        <Text fz="sm">{messageOf(error)}</Text>
        {onRetry && <Button size="xs" variant="white" color="red" onClick={onRetry}>Try again</Button>}
      </Group>
    </Alert>
  );
}
