import { Badge, Group, Tooltip } from '@mantine/core';
import { IconArrowRight, IconBell, IconDeviceMobileMessage, IconMail, IconMessage, IconWebhook } from '@tabler/icons-react';
import type { Channel } from '@herald/shared';
import { Fragment, type ComponentType } from 'react';

export const channelLabels: Record<Channel, string> = { email: 'Email', inapp: 'In-app', sms: 'SMS', push: 'Push', webhook: 'Webhook' };

export const channelIcons: Record<Channel, ComponentType<{ size?: number; stroke?: number }>> = {
  email: IconMail,
  inapp: IconMessage,
  sms: IconDeviceMobileMessage,
  push: IconBell,
  webhook: IconWebhook,
};

/** The order channels are shown in everywhere. */
export const channelOrder: Channel[] = ['email', 'inapp', 'sms', 'push', 'webhook'];

/**
 * Small badges for a list of channels: in the usual order, or, for a fallback chain, in the
 * chain's order with an arrow before each next channel.
 */
export function ChannelBadges({ channels, isFallback = false }: { channels: readonly Channel[]; isFallback?: boolean }) {
  const shown = isFallback ? channels : channelOrder.filter((channel) => channels.includes(channel));
  return (
    <Group gap={4} wrap="wrap" role={isFallback ? 'list' : undefined} aria-label={isFallback ? 'Fallback order' : undefined}>
      {shown.map((channel, index) => {
        const Icon = channelIcons[channel];
        return (
          <Fragment key={channel}>
            {isFallback && index > 0 && <IconArrowRight size={12} aria-hidden color="var(--mantine-color-dimmed)" />}
            <Badge role={isFallback ? 'listitem' : undefined} variant="light" color="gray" radius="sm" leftSection={<Icon size={12} />} tt="none" fw={500}>
              {channelLabels[channel]}
            </Badge>
          </Fragment>
        );
      })}
    </Group>
  );
}

const statusColors: Record<string, string> = {
  active: 'teal',
  paused: 'yellow',
  completed: 'gray',
  sending: 'blue',
  missed: 'orange',
  cancelled: 'gray',
  running: 'blue',
  failed: 'red',
  queued: 'gray',
  sent: 'teal',
  skipped: 'yellow',
};

/** The color a status is shown in, the same on every page. */
export function statusColor(status: string): string {
  return statusColors[status] ?? 'gray';
}

const statusHints: Record<string, string> = {
  missed: 'Herald was not running when this was due',
  skipped: 'Not sent on purpose: unsubscribed, unreachable or capped',
};

/** A colored badge for any status of a schedule, run, delivery or job. */
export function StatusBadge({ status, size = 'sm' }: { status: string; size?: 'xs' | 'sm' | 'md' }) {
  const badge = (
    // min-width: max-content, or a table column squeezes the word to "ACT…".
    <Badge color={statusColor(status)} variant="light" size={size} radius="sm" data-testid="status-badge" style={{ minWidth: 'max-content' }}>
      {status}
    </Badge>
  );
  const hint = statusHints[status];
  return hint ? <Tooltip label={hint}>{badge}</Tooltip> : badge;
}
