-- What a database created by an earlier Herald needs to reach this one, written by hand
-- (`npm run db:generate` keeps this file). On a database created now, 0000_init already made
-- all of it, and each statement is a no-op or rebuilds an empty index.
--
-- The queue's leases moved out of `deliveries` into `delivery_leases` (server/src/db/schema.ts):
-- a claim no longer sets a delivery 'sending'. A delivery an earlier worker was sending goes
-- back to the queue, as when its lease expires: stop the workers before upgrading, or it may
-- be sent again (under the same Message-ID / Idempotency-Key, so receivers can drop it).
CREATE UNLOGGED TABLE IF NOT EXISTS delivery_leases (
  delivery_id bigint PRIMARY KEY NOT NULL,
  locked_by text NOT NULL,
  locked_until timestamp with time zone NOT NULL
);
--> statement-breakpoint
UPDATE deliveries SET status = 'queued' WHERE status = 'sending';
--> statement-breakpoint
DROP INDEX IF EXISTS deliveries_lease_idx;
--> statement-breakpoint
ALTER TABLE deliveries DROP COLUMN IF EXISTS locked_by, DROP COLUMN IF EXISTS locked_until;
--> statement-breakpoint
DROP INDEX IF EXISTS deliveries_run_open_idx;
--> statement-breakpoint
CREATE INDEX deliveries_run_open_idx ON deliveries USING btree (run_id) WHERE status = 'queued';
