-- Claims with a lease on in-flight sends (twin of ../0013_delivery_claims.sql).
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'sending';
