-- Each election's eligible bodies (issue #12): JSON {"kinds": [...], "regions": [...], "bodies": [...]},
-- NULL for the default rule (the kinds that nominated), so existing data keeps its figures.
ALTER TABLE elections ADD COLUMN eligible_bodies TEXT;
