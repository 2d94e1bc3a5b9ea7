-- Each election's eligible bodies (issue #12): the bodies that count for "reported" and a percentage
-- threshold. Either a rule by kind and/or region (JSON {"kinds": [...], "regions": [...]}) or an
-- explicit list (rows below, which follow a body's renaming and go with it). Neither: the default
-- rule (the kinds that nominated), so existing data keeps its figures.
ALTER TABLE elections ADD COLUMN eligible_rule TEXT;

CREATE TABLE election_eligible_bodies (
    election_id INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    body_id     INTEGER NOT NULL REFERENCES bodies (id) ON DELETE CASCADE,
    PRIMARY KEY (election_id, body_id)
);

CREATE INDEX election_eligible_bodies_body ON election_eligible_bodies (body_id);
