-- Roster schema, version 6: the search index merges its segments later.
--
-- FTS5 writes one segment per write batch and, by default, merges as soon
-- as four segments share a level. At ten million users that merging was
-- 37 % of the writer's CPU during durable creates (perf, BENCHMARKS.md).
-- Merging at eight segments per level rewrites each posting fewer times:
-- creates at 10 M went from 5.0 k to 7.8 k per second over 30 s, and a rare
-- term's search (the case most sensitive to the number of segments) from
-- 7.9 to 10.3 ms at p99 alone. The setting is stored in the index itself.

INSERT INTO users_search (users_search, rank) VALUES ('automerge', 8);
