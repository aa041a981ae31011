import { Group, Progress, Stack, Text } from '@mantine/core';
import type { RateLimitUsage } from '@herald/shared';
import { usageColor, usageShare, usageSummary } from './limit-usage.ts';

const windowLabels = { minute: 'Last minute', hour: 'Last hour', day: 'Last day' } as const;

/** A limit's use right now: a bar per window (sliding), then what it holds back and when the next message may go. */
export function LimitUsage({ usage, label }: { usage: RateLimitUsage; label: string }) {
  return (
    <Stack gap={6} role="group" aria-label={`${label} usage`} data-testid={`usage-${usage.key}`}>
      {usage.windows.map((window) => {
        const share = usageShare(window.used, window.limit);
        return (
          <Stack key={window.window} gap={2}>
            <Group justify="space-between" gap="xs" wrap="nowrap">
              <Text fz="xs" c="dimmed">{windowLabels[window.window]}</Text>
              <Text fz="xs" fw={600} data-testid="usage-count">{window.used.toLocaleString()} / {window.limit.toLocaleString()}</Text>
            </Group>
            <Progress
              value={share}
              color={usageColor(share)}
              size="sm"
              radius="xl"
              aria-label={`${label}, ${windowLabels[window.window].toLowerCase()}: ${window.used} of ${window.limit} used`}
            />
          </Stack>
        );
      })}
      <Text fz="xs" c={usage.deferred > 0 ? 'orange.8' : 'dimmed'}>{usageSummary(usage)}</Text>
    </Stack>
  );
}
