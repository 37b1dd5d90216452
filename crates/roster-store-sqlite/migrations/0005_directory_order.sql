-- Roster schema, version 5: an index for the directory order.
--
-- `sort=last_name,first_name` (or its reverse) had no index serving it:
-- the last-name index gives the order of the first key only, so SQLite
-- sorted every run of users sharing a last name, and at ten million users
-- a run of a common surname is hundreds of thousands of rows for one page
-- of 50. This index serves that order, cursors included, straight from the
-- index. Other multi-key orders still sort each run of equal leading keys
-- (README, "Sorting").

CREATE INDEX users_last_first ON users (
    zone, lower(last_name), last_name, lower(first_name), first_name, id
);
