-- Roster schema (PostgreSQL), version 4: an index for the directory order.
--
-- `sort=last_name,first_name` (or its reverse) had no index serving it:
-- the last-name index gives the order of the first key only, so a page
-- sorted (incrementally at best) the run of users sharing a last name, and
-- at ten million users a common surname's run is hundreds of thousands of
-- rows for one page of 50. This index serves that order, cursors included, straight from the
-- index. Other multi-key orders still sort each run of equal leading keys
-- (README, "Sorting").

CREATE INDEX users_last_first ON users (
    zone, lower(last_name), last_name, lower(first_name), first_name, id
);
