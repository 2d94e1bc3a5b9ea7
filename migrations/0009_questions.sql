-- Questions to candidates (issue #17 part 2): members ask before a hustings (or about the election as a
-- whole), vote questions up, moderators hide them, organisers or a candidate's linked member answer them;
-- members mark a hustings Interested.
CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    election_id INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    hustings_id INTEGER REFERENCES hustings (id) ON DELETE CASCADE, -- NULL: a question for the election
    author_id   INTEGER NOT NULL,
    candidate   TEXT NOT NULL DEFAULT '',   -- '' means all the candidates
    text        TEXT NOT NULL,
    message_id  INTEGER,                    -- the question's post in the hustings thread
    hidden      INTEGER NOT NULL DEFAULT 0,
    answered    INTEGER NOT NULL DEFAULT 0,
    answer      TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT '',   -- the candidate's name when the candidate answered
    created_at  TEXT NOT NULL
);

CREATE INDEX questions_topic ON questions (election_id, hustings_id, author_id);

CREATE TABLE question_votes (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (question_id, user_id)
);

-- The thread each topic's questions are posted in: key 'hustings:<id>' or 'election:<id>'.
CREATE TABLE question_threads (
    guild_id    INTEGER NOT NULL,
    key         TEXT NOT NULL,
    parent_id   INTEGER NOT NULL,
    thread_id   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, key)
);

CREATE TABLE hustings_interest (
    hustings_id INTEGER NOT NULL REFERENCES hustings (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (hustings_id, user_id)
);

-- A candidate linked by a moderator to the member who speaks for them (answers as the candidate).
CREATE TABLE candidate_members (
    election_id INTEGER NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    candidate   TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (election_id, candidate)
);
