-- $1 run_ids. Takes the run lock of each run, exclusively, in run_id order (see
-- docs/architecture.md, "Locks"): every transition that may cancel or reset tasks held by others
-- (a failure, a deadline, a cancellation, a redrive) holds it, so no answer of the run is half
-- done meanwhile. Answers take the same lock shared, so they do not wait for one another.
select count(pg_advisory_xact_lock(1885824620, hashtext(r.run_id::text)))::int as locked
from (select distinct unnest($1::uuid[]) as run_id order by 1) r
