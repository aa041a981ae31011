import { Badge, Button, Drawer, Group, Skeleton, Stack, Text, Timeline } from '@mantine/core';
import type { Channel, Delivery, DeliveryEvent } from '@herald/shared';
import { channelLabels, ChannelBadges, StatusBadge } from '../../components/badges.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime } from '../../lib/time.ts';
import { useIsMobile } from '../../lib/use-is-mobile.ts';
import { useDeliveryEvents } from './api.ts';
import { eventColor, eventDetails, formatEventTime } from './delivery-timeline.ts';

const isChannel = (value: string | null): value is Channel => value !== null && value in channelLabels;

/** Where the delivery stands now: its status, and what it waits for or why it ended. */
function DeliveryNow({ delivery }: { delivery: Delivery }) {
  const isWaiting = delivery.status === 'queued';
  return (
    <Stack gap={6} data-testid="delivery-now">
      <Group gap="xs" wrap="wrap">
        <StatusBadge status={delivery.status} />
        <ChannelBadges channels={delivery.channels} />
      </Group>
      <Text fz="sm" c="dimmed">
        {delivery.sentAt ? `Sent ${formatDateTime(delivery.sentAt)}` : isWaiting ? `Due ${formatDateTime(delivery.dueAt)}` : null}
        {delivery.attempts > 0 && ` · ${delivery.attempts} ${delivery.attempts === 1 ? 'attempt' : 'attempts'}`}
      </Text>
      {delivery.reason && (
        <Text fz="sm" c={delivery.status === 'failed' ? 'red.7' : undefined} style={{ overflowWrap: 'anywhere' }}>{delivery.reason}</Text>
      )}
    </Stack>
  );
}

function EventItem({ event }: { event: DeliveryEvent }) {
  const details = eventDetails(event);
  return (
    <Stack gap={4} data-testid="delivery-event" data-type={event.type}>
      <Group gap={6} wrap="wrap">
        <Badge color={eventColor(event.type)} variant="light" radius="sm" style={{ minWidth: 'max-content' }}>{event.type}</Badge>
        {isChannel(event.channel) && <Badge color="gray" variant="outline" radius="sm" tt="none" fw={500}>{channelLabels[event.channel]}</Badge>}
      </Group>
      <Text fz="xs" c="dimmed" component="time" dateTime={event.occurredAt}>{formatEventTime(event.occurredAt)}</Text>
      {details.length > 0 && (
        <Stack gap={2} component="dl" m={0}>
          {details.map((detail) => (
            <Group key={detail.key} gap={6} wrap="nowrap" align="flex-start">
              <Text component="dt" fz="xs" c="dimmed" style={{ flexShrink: 0 }}>{detail.label}</Text>
              <Text component="dd" fz="sm" m={0} c={detail.isError ? 'red.7' : undefined} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>{detail.value}</Text>
            </Group>
          ))}
        </Stack>
      )}
    </Stack>
  );
}

/**
 * One delivery's timeline in a drawer: every event with its time in the viewer's zone, its type,
 * its channel and its data, oldest first so the newest is last; full width on phones.
 */
export function DeliveryTimelineDrawer({ scheduleId, delivery, isOpen, onClose }: {
  scheduleId: string;
  /** the delivery shown; kept while the drawer slides away */
  delivery: Delivery | null;
  isOpen: boolean;
  onClose: () => void;
}) {
  const isMobile = useIsMobile();
  const isLive = isOpen && delivery !== null && (delivery.status === 'queued' || delivery.status === 'sending');
  const events = useDeliveryEvents(scheduleId, delivery?.id ?? null, isLive);
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];
  const total = events.data?.pages.at(-1)?.total ?? 0;
  const who = delivery ? delivery.recipientEmail ?? delivery.recipientExternalId : '';
  return (
    <Drawer
      opened={isOpen && delivery !== null}
      onClose={onClose}
      position="right"
      size={isMobile ? '100%' : 'md'}
      title={<Text fw={600} style={{ overflowWrap: 'anywhere' }}>Delivery to {who}</Text>}
    >
      {delivery && (
        <Stack gap="lg">
          <DeliveryNow delivery={delivery} />
          {events.isError ? (
            <QueryError error={events.error} what="the timeline" onRetry={() => void events.refetch()} />
          ) : events.isPending ? (
            <Stack gap="sm">{[0, 1, 2].map((i) => <Skeleton key={i} h={48} radius="md" />)}</Stack>
          ) : (
            <Stack gap="sm">
              <Timeline active={items.length - 1} bulletSize={14} lineWidth={2} aria-label="Timeline" data-testid="delivery-timeline">
                {items.map((event, index) => (
                  <Timeline.Item key={event.id ?? `creation-${index}`} color={eventColor(event.type)}>
                    <EventItem event={event} />
                  </Timeline.Item>
                ))}
              </Timeline>
              {events.hasNextPage && (
                <Button variant="light" size="xs" onClick={() => void events.fetchNextPage()} loading={events.isFetchingNextPage} w="fit-content">
                  Show later events ({(total - items.length).toLocaleString()} more)
                </Button>
              )}
            </Stack>
          )}
        </Stack>
      )}
    </Drawer>
  );
}
