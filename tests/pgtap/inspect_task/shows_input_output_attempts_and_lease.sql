begin;
select plan(10);

-- list -> fetch (fan-out) -> save, three attempts, retried at once.
select pgflow_tests.flow_fanout(max_attempts => 3, base_delay => 0);
select run_id as run from pgflow.start_flow('fan', '{"site": "a"}') \gset
select pgflow.complete_task(:'run', 'list', 0, '["x", "y"]') from pgflow_tests.poll('fan');
select '11111111-1111-4111-8111-111111111111' as w1, '22222222-2222-4222-8222-222222222222' as w2 \gset
select count(*) from pgflow.poll_for_tasks('fan', 30, 2, 0, worker_id => :'w1');   -- both items
select pgflow.fail_task(:'run', 'fetch', 0, 'timeout talking to x');               -- item 0 again at once
select count(*) from pgflow.poll_for_tasks('fan', 30, 1, 0, worker_id => :'w2');

select row_eq(format($$ select status, input, attempts_count, worker_id, lease_until > now(), output from pgflow.inspect_task(%L, 'fetch', 0) $$, :'run'),
  row('started'::text, '{"item": "x"}'::jsonb, 2, :'w2'::uuid, true, null::jsonb),
  'a running item: the input its handler gets, its attempt, the worker holding it and until when');
select is((select jsonb_array_length(attempt_errors) from pgflow.inspect_task(:'run', 'fetch', 0)), 1, 'one failed attempt so far');
select row_eq(format($$ select e ->> 'attempt', e ->> 'error', e ->> 'worker_id', (e ->> 'at') is not null
                 from pgflow.inspect_task(%L, 'fetch', 0), jsonb_array_elements(attempt_errors) e $$, :'run'),
  row('1'::text, 'timeout talking to x'::text, :'w1'::text, true), 'each failed attempt: its number, error, worker and time');

select pgflow.complete_task(:'run', 'fetch', 0, '{"size": 3}');
select row_eq(format($$ select status, output, lease_until, completed_at is not null, error_message from pgflow.inspect_task(%L, 'fetch', 0) $$, :'run'),
  row('completed'::text, '{"size": 3}'::jsonb, null::timestamptz, true, 'timeout talking to x'::text),
  'a completed item: its output and when, no lease, its earlier error kept');

select is((select input from pgflow.inspect_task(:'run', 'list', 0)), '{"run": {"site": "a"}}'::jsonb,
  'a single step''s input is the run''s input');
select pgflow.complete_task(:'run', 'fetch', 1, '{"size": 4}');
select is((select input from pgflow.inspect_task(:'run', 'save', 0)),
  '{"run": {"site": "a"}, "fetch": [{"size": 3}, {"size": 4}]}'::jsonb, 'with the outputs of the steps it depends on');
select is((select status from pgflow.inspect_task(:'run', 'save', 0)), 'queued', 'a queued task has no attempt yet');

-- An attempt that keeps failing keeps the last 20 errors.
select pgflow.create_flow('many', max_attempts => 30, base_delay => 0);
select pgflow.add_step('many', 'one');
select run_id as many from pgflow.start_flow('many', '{}') \gset
select set_config('pgflow_tests.many', :'many', true);
do $$
begin
  for n in 1..25 loop
    perform count(*) from pgflow_tests.poll('many');
    perform pgflow.fail_task(current_setting('pgflow_tests.many')::uuid, 'one', 0, 'failure ' || n);
  end loop;
end $$;
select row_eq(format($$ select jsonb_array_length(attempt_errors), attempt_errors -> 0 ->> 'error', attempt_errors -> 19 ->> 'error'
                 from pgflow.inspect_task(%L, 'one', 0) $$, :'many'),
  row(20, 'failure 6'::text, 'failure 25'::text), 'the last 20 failed attempts are kept');

select throws_ok(format($$ select * from pgflow.inspect_task(%L, 'fetch', 7) $$, :'run'), 'P0002', null, 'an unknown task is refused');
select throws_ok(format($$ select * from pgflow.inspect_task(%L, 'nowhere', 0) $$, :'run'), 'P0002', null, 'and an unknown step');

select * from finish();
rollback;
