/**
 * What a delivery's status is as users see it. `deliveries.status` never says 'sending': a
 * worker's claim leaves the delivery queued and takes a lease on it in `delivery_leases`
 * (engine/worker/claim-deliveries.ts), so a queued delivery with a lease is being sent.
 *
 * Readers join the leases with a LEFT JOIN, which PostgreSQL runs as one hash of the few
 * hundred leases probed by each delivery, rather than a subquery for each delivery.
 */
import { sql } from 'drizzle-orm';

/** `deliveries d` with the lease `l` a worker may hold on it: a FROM item for `shownStatus`. */
export const deliveriesWithLeases = sql`deliveries d LEFT JOIN delivery_leases l ON l.delivery_id = d.id`;

/** The status shown for `d` (needs `d` and `l` as deliveriesWithLeases names them). */
export const shownStatus = sql`CASE WHEN d.status = 'queued' AND l.delivery_id IS NOT NULL THEN 'sending' ELSE d.status END`;
