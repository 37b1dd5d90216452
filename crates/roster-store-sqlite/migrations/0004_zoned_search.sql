-- Roster schema, version 4: the search index is partitioned by zone.
--
-- A row's id in the index is now (zone << 40) | seq, so every zone's
-- matches form one contiguous rowid range and a search asks the index for
-- that range only: it costs what the caller's zone holds, not what the
-- database holds (a term found in every user id used to walk every zone's
-- postings). 2^40 users and 2^23 zones fit in SQLite's 63-bit rowid.

DROP TABLE users_search;

CREATE VIRTUAL TABLE users_search USING fts5 (
    doc,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

INSERT INTO users_search (rowid, doc)
SELECT (zone << 40) | seq,
       char(31) || user_id_text(id) || char(31) || lower(email) || char(31) || lower(name)
           || char(31) || lower(identifier) || char(31) || lower(coalesce(description, ''))
           || char(31)
FROM users;
