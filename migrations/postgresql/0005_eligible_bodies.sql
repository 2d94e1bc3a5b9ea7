-- Each election's eligible bodies (twin of ../0005_eligible_bodies.sql).
ALTER TABLE elections ADD COLUMN eligible_rule TEXT;

CREATE TABLE election_eligible_bodies (
    election_id BIGINT NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    body_id     BIGINT NOT NULL REFERENCES bodies (id) ON DELETE CASCADE,
    PRIMARY KEY (election_id, body_id)
);

CREATE INDEX election_eligible_bodies_body ON election_eligible_bodies (body_id);
