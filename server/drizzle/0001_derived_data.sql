-- What PostgreSQL derives and keeps for the segments, written by hand (drizzle-kit cannot
-- express triggers, functions or generated columns over them; `npm run db:generate` keeps
-- this file): the engagement rollup kept by a trigger on events, and the instants of date
-- attributes, a generated column of recipients.
--
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
--> statement-breakpoint
-- An instant as text that sorts as the instants do: microseconds since 0001-01-01 UTC in 18
-- digits (every date Herald reads, years 1000–9999 with any offset, fits), so segments compare
-- date attributes with a byte comparison.
CREATE FUNCTION herald_instant_key(instant timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lpad(((extract(epoch FROM instant) * 1000000)::bigint + 62135596800000000)::text, 18, '0')
$$;
--> statement-breakpoint
-- The instant an attribute's text means, as above, when it is a real ISO 8601 date (years
-- 1000–9999, the parser's own rule: modules/segments/parse-values.ts), else NULL; a date
-- without an offset is UTC. Each cast sits behind the checks that make it safe, so no stored
-- text can make a write fail. IMMUTABLE as used: the casts run only on texts whose meaning
-- does not depend on the session (ISO forms, with an explicit offset or read as UTC).
CREATE FUNCTION herald_iso_instant(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT CASE WHEN t ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$' THEN
    CASE WHEN substr(t, 9, 2)::int <= extract(day FROM make_date(substr(t, 1, 4)::int, substr(t, 6, 2)::int, 1) + interval '1 month' - interval '1 day') THEN
      herald_instant_key(CASE WHEN t LIKE '%Z' OR t LIKE '%+%' OR t LIKE '__________%-%' THEN t::timestamptz ELSE t::timestamp AT TIME ZONE 'UTC' END)
    END
  END
$$;
--> statement-breakpoint
-- Every attribute whose value is a text holding a real ISO date, with its instant:
-- {"lastSeenAt": "063901958400000000"}. Only texts shaped like a date are read further.
CREATE FUNCTION herald_attribute_instants(attributes jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
  instants jsonb := '{}';
  item record;
  instant text;
BEGIN
  FOR item IN
    SELECT e.key, e.value #>> '{}' AS text FROM jsonb_each(attributes) AS e
     WHERE jsonb_typeof(e.value) = 'string' AND e.value #>> '{}' LIKE '____-__-__%'
  LOOP
    instant := herald_iso_instant(item.text);
    IF instant IS NOT NULL THEN
      instants := instants || jsonb_build_object(item.key, instant);
    END IF;
  END LOOP;
  RETURN instants;
END
$$;
--> statement-breakpoint
-- Segments compare date attributes here instead of checking and parsing each recipient's
-- text on every count (bench/segments.ts; docs/segments.md). PostgreSQL keeps it on every
-- write of attributes; the application never writes it.
ALTER TABLE recipients ADD COLUMN attribute_instants jsonb NOT NULL
  GENERATED ALWAYS AS (herald_attribute_instants(attributes)) STORED;
