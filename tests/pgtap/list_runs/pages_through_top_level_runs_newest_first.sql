begin;
select plan(9);

select pgflow_tests.flow_root_fanout();
select pgflow.create_flow('other');
select pgflow.add_step('other', 'one');
-- Five runs of root a second apart, two of other; the third of root fails.
create temp table started as
  select n, (pgflow.start_flow('root', '[1]')).run_id from generate_series(1, 5) n;
update pgflow.runs r set started_at = now() - make_interval(secs => 100 - s.n) from started s where r.run_id = s.run_id;
update pgflow.runs r set status = 'failed', failed_at = now() from started s where r.run_id = s.run_id and s.n = 3;
insert into started select 10 + n, (pgflow.start_flow('other', '{}')).run_id from generate_series(1, 2) n;
update pgflow.runs r set started_at = now() - make_interval(secs => 200 - s.n) from started s where r.run_id = s.run_id and s.n > 10;

select results_eq($$ select s.n from pgflow.list_runs() with ordinality l join started s using (run_id) order by l.ordinality $$,
  $$ values (5), (4), (3), (2), (1), (12), (11) $$, 'every top-level run, newest first');
select results_eq($$ select s.n from pgflow.list_runs('root', max_rows => 2) with ordinality l join started s using (run_id) order by l.ordinality $$,
  $$ values (5), (4) $$, 'of one flow, a page at a time');
select results_eq(format($$ select s.n from pgflow.list_runs('root', max_rows => 2, before_run_id => %L) with ordinality l join started s using (run_id) order by l.ordinality $$,
    (select run_id from started where n = 4)),
  $$ values (3), (2) $$, 'the next page starts after the last run of the previous one');
select results_eq($$ select s.n, l.status from pgflow.list_runs(status => 'failed') with ordinality l join started s using (run_id) order by l.ordinality $$,
  $$ values (3, 'failed') $$, 'of one status');
select results_eq($$ select s.n from pgflow.list_runs(started_since => now() - interval '97 seconds') with ordinality l join started s using (run_id) order by l.ordinality $$,
  $$ values (5), (4), (3) $$, 'started since a time');
select is((select count(*)::int from pgflow.list_runs(flow_slug => 'root', status => 'completed')), 0, 'none that match: no row');

-- The child runs of a sub-flow fan-out are not listed: run_tree reads them.
select pgflow.create_flow('parent');
select pgflow.add_step('parent', 'each', step_type => 'fanout', subflow => 'other');
select (pgflow.start_flow('parent', '[{}, {}]')).run_id as parent \gset
select is((select count(*)::int from pgflow.list_runs('other')), 2, 'child runs are not listed');

select throws_ok($$ select * from pgflow.list_runs(status => 'done') $$, '22023',
  'pgflow.list_runs: unknown status "done" (expected ''started'', ''completed'', ''failed'' or ''cancelled'')', 'an unknown status is refused');
select throws_ok($$ select * from pgflow.list_runs('nowhere') $$, '42704', 'flow ''nowhere'' does not exist', 'and an unknown flow');

select * from finish();
rollback;
