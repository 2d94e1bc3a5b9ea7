-- Several processes, one leader (#20): an in-flight send is claimed by one process for a while.
-- claimed_by: which process claimed the row (`host:pid:token`); its later writes are fenced on it, so
-- a leader that lost its lock without noticing yet can't overwrite a row another process took over.
-- lease_until: when the claim lapses; a row still `sending` then goes back to pending (retried with
-- its nonce, reconciled first when older than the nonce window) instead of being reset at start-up.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'sending';
