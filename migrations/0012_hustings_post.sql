-- The public hustings post (issue #17 part 3): the announcement-channel message announcing a hustings,
-- kept on the hustings row so an edit or a cancellation edits the post (NULL: not posted, or deleted).
ALTER TABLE hustings ADD COLUMN post_channel_id INTEGER;
ALTER TABLE hustings ADD COLUMN post_message_id INTEGER;

-- Elections whose automatic hustings post is switched off (absent: on, the default).
CREATE TABLE election_hustings_post_off (
    election_id INTEGER PRIMARY KEY REFERENCES elections (id) ON DELETE CASCADE
);
