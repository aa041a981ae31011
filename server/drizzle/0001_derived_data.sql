-- What PostgreSQL derives and keeps for the segments, written by hand (drizzle-kit cannot
-- express triggers, functions, generated columns over them or unlogged tables; `npm run
-- db:generate` keeps this file): the engagement rollup kept by a trigger on events, the
-- instants of date attributes, a generated column of recipients, and the queue's leases
-- made unlogged.
--
-- Keeps recipient_engagement (server/src/db/schema.ts) in step with events: after every
-- statement that inserts events, in the same transaction, one INSERT … ON CONFLICT adds the
-- statement's sent / delivered / opened / clicked events to their recipients' rows. It counts
-- deliveries, not events: an event counts only when its delivery had no earlier event of its
-- kind ("received" is sent or delivered); an event without a delivery updates only the
-- times. That is exact because the writers of a delivery's events of one kind never
-- overlap: a delivery is recorded sent by the worker, in one statement; an SMS receipt finds
-- its delivery only through the attempt that statement wrote; opens and clicks of one
-- delivery take a lock on it first (modules/tracking/record-events.ts).
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
-- herald_attribute_instants below writes the same expression out in full: keep the two alike.
CREATE FUNCTION herald_instant_key(instant timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lpad(((extract(epoch FROM instant) * 1000000)::bigint + 62135596800000000)::text, 18, '0')
$$;
--> statement-breakpoint
-- Every attribute whose value is a text holding a real ISO 8601 date (years 1000–9999, the
-- parser's own rule: modules/segments/parse-values.ts), with its instant as above; a date
-- without an offset is UTC: {"lastSeenAt": "063901958400000000"}. Texts not shaped like a
-- date are passed over by one JSON path (in C); each cast sits behind the checks that make it
-- safe, so no stored text can make a write fail. IMMUTABLE as used: the casts run only on
-- texts whose meaning does not depend on the session (ISO forms, with an offset or read as
-- UTC). Written out in full, calling nothing of Herald's: a function with its own
-- search_path (or one that calls another of ours) cost 2.5× as much a row.
CREATE FUNCTION herald_attribute_instants(attributes jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  candidates jsonb := jsonb_path_query_array(attributes,
    '$.keyvalue() ? (@.value.type() == "string" && @.value like_regex "^[1-9][0-9]{3}-[01][0-9]-[0-3][0-9]")');
  instants jsonb := '{}';
  t text;
  instant timestamptz;
BEGIN
  FOR i IN 0 .. jsonb_array_length(candidates) - 1 LOOP
    t := candidates -> i ->> 'value';
    CONTINUE WHEN t !~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?)?$';
    -- the day against the month's length before the cast: 2024-02-30 is no date, not an error
    CONTINUE WHEN substr(t, 9, 2)::int > extract(day FROM make_date(substr(t, 1, 4)::int, substr(t, 6, 2)::int, 1) + interval '1 month' - interval '1 day');
    -- past the pattern, Z, + and a - after the day can only be an offset
    instant := CASE WHEN t LIKE '%Z' OR t LIKE '%+%' OR t LIKE '__________%-%' THEN t::timestamptz ELSE t::timestamp AT TIME ZONE 'UTC' END;
    instants := instants || jsonb_build_object(candidates -> i ->> 'key',
      lpad(((extract(epoch FROM instant) * 1000000)::bigint + 62135596800000000)::text, 18, '0'));
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
--> statement-breakpoint
-- A lease is not worth a WAL record: after a crash of PostgreSQL an unlogged table comes back
-- empty, and a delivery without a lease is claimable again, as it would be once its lease
-- expired (server/src/db/schema.ts, deliveryLeases). A clean restart keeps the leases.
ALTER TABLE delivery_leases SET UNLOGGED;
