-- Keeps recipient_engagement (server/src/db/schema.ts) in step with events: after every
-- statement that inserts events, in the same transaction, one INSERT … ON CONFLICT adds the
-- statement's sent / delivered / opened / clicked events to their recipients' rows. It counts
-- deliveries, not events: an event counts only when its delivery had no earlier event of its
-- kind ("received" is sent or delivered); an event without a delivery updates only the times. That is exact because the writers of a delivery's
-- events of one kind never overlap: a delivery is recorded sent once, by the worker; an SMS
-- receipt finds its delivery only through the attempt that commit wrote; opens and clicks of
-- one delivery take a lock on it first (modules/tracking/record-events.ts).
-- The rows are written in recipient order, so two writers cannot deadlock on them.
CREATE FUNCTION herald_roll_up_engagement() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO recipient_engagement AS g
    (recipient_id, received, opened, clicked, last_received_at, last_opened_at, last_clicked_at)
  SELECT f.recipient_id,
         count(*) FILTER (WHERE f.kind = 'received' AND f.is_first),
         count(*) FILTER (WHERE f.kind = 'opened' AND f.is_first),
         count(*) FILTER (WHERE f.kind = 'clicked' AND f.is_first),
         max(f.occurred_at) FILTER (WHERE f.kind = 'received'),
         max(f.occurred_at) FILTER (WHERE f.kind = 'opened'),
         max(f.occurred_at) FILTER (WHERE f.kind = 'clicked')
  FROM (
    SELECT n.recipient_id, n.kind, max(n.occurred_at) AS occurred_at,
           n.delivery_id IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM events AS e
              WHERE e.delivery_id = n.delivery_id AND e.id < min(n.id)
                AND e.type = ANY (CASE n.kind WHEN 'received' THEN ARRAY['sent', 'delivered'] ELSE ARRAY[n.kind] END)
           ) AS is_first
    FROM (
      SELECT recipient_id, delivery_id, id, occurred_at,
             CASE WHEN type IN ('sent', 'delivered') THEN 'received' ELSE type END AS kind
        FROM new_events
       WHERE type IN ('sent', 'delivered', 'opened', 'clicked') AND recipient_id IS NOT NULL
    ) AS n
    GROUP BY n.recipient_id, n.delivery_id, n.kind
  ) AS f
  GROUP BY f.recipient_id
  ORDER BY f.recipient_id
  ON CONFLICT (recipient_id) DO UPDATE SET
    received = g.received + EXCLUDED.received,
    opened = g.opened + EXCLUDED.opened,
    clicked = g.clicked + EXCLUDED.clicked,
    last_received_at = greatest(g.last_received_at, EXCLUDED.last_received_at),
    last_opened_at = greatest(g.last_opened_at, EXCLUDED.last_opened_at),
    last_clicked_at = greatest(g.last_clicked_at, EXCLUDED.last_clicked_at);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER events_engagement_rollup AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION herald_roll_up_engagement();
--> statement-breakpoint
-- Events recorded before this migration, summed up once.
INSERT INTO recipient_engagement (recipient_id, received, opened, clicked, last_received_at, last_opened_at, last_clicked_at)
SELECT recipient_id,
       count(DISTINCT delivery_id) FILTER (WHERE type IN ('sent', 'delivered')),
       count(DISTINCT delivery_id) FILTER (WHERE type = 'opened'),
       count(DISTINCT delivery_id) FILTER (WHERE type = 'clicked'),
       max(occurred_at) FILTER (WHERE type IN ('sent', 'delivered')),
       max(occurred_at) FILTER (WHERE type = 'opened'),
       max(occurred_at) FILTER (WHERE type = 'clicked')
  FROM events
 WHERE type IN ('sent', 'delivered', 'opened', 'clicked') AND recipient_id IS NOT NULL
 GROUP BY recipient_id;
