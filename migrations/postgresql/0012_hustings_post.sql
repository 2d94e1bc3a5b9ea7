-- The public hustings post (twin of ../0012_hustings_post.sql).
ALTER TABLE hustings ADD COLUMN post_channel_id BIGINT;
ALTER TABLE hustings ADD COLUMN post_message_id BIGINT;

CREATE TABLE election_hustings_post_off (
    election_id BIGINT PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE
);
