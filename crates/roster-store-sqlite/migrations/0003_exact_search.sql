-- Roster schema, version 3: an exact search index.
--
-- The index now holds the ASCII-folded text of the searchable fields and
-- positions (detail=full), with case-sensitive trigrams, so a phrase query
-- for a folded term of three or more characters matches exactly the users
-- whose fields contain it. Matches need no re-check against the row, and
-- counting them is an index-only walk. Search terms never contain control
-- characters, so no match can span the U+001F between two fields. Every
-- field is also framed by U+001F on both sides, which turns "the term is a
-- whole field" and "a field starts with the term" into phrase queries too:
-- search ranking reads them from the index instead of folding every row.

DROP TABLE users_search;

CREATE VIRTUAL TABLE users_search USING fts5 (
    doc,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

INSERT INTO users_search (rowid, doc)
SELECT seq,
       char(31) || user_id_text(id) || char(31) || lower(email) || char(31) || lower(name)
           || char(31) || lower(identifier) || char(31) || lower(coalesce(description, ''))
           || char(31)
FROM users;
