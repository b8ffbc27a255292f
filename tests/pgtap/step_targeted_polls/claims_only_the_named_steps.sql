begin;
select plan(8);

-- Two root fan-outs over fields of the input: a big backlog in 'cpu', a few tasks in 'gpu'.
select pgflow.create_flow('media');
select pgflow.add_step('media', 'cpu', step_type => 'fanout', fanout_path => 'frames');
select pgflow.add_step('media', 'gpu', step_type => 'fanout', fanout_path => 'clips');
select pgflow.add_step('media', 'join', array['cpu']);
select run_id as run from pgflow.start_flow('media',
  jsonb_build_object('frames', (select jsonb_agg(i) from generate_series(1, 3000) i), 'clips', '[1, 2, 3]'::jsonb)) \gset

select pg_stat_get_xact_tuples_returned('pgflow.step_tasks_queued_idx'::regclass) as before \gset
select results_eq($$ select step_slug, task_index from pgflow.poll_for_tasks('media', 30, 10, 0, step_slugs => array['gpu']) order by 2 $$,
  $$ values ('gpu', 0), ('gpu', 1), ('gpu', 2) $$, 'a poll for some steps claims only their tasks');
select cmp_ok(pg_stat_get_xact_tuples_returned('pgflow.step_tasks_queued_idx'::regclass) - :before, '<', 20::bigint,
  'without reading the other steps'' queued tasks');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'run' and step_slug = 'cpu' and status = 'started'), 0,
  'the other steps'' tasks stay queued');
select is((select count(*)::int from pgflow.poll_for_tasks('media', 30, 10, 0, step_slugs => array['gpu'])), 0,
  'with nothing of those steps left it claims nothing, however much else is queued');
select is((select count(*)::int from pgflow.poll_for_tasks('media', 30, 5, 0, step_slugs => array['gpu', 'cpu'])), 5,
  'several steps may be named');

-- complete_tasks_and_poll claims the same way.
select results_eq(format($$ select distinct step_slug from pgflow.complete_tasks_and_poll(array[%L]::uuid[], array['gpu'], array[0], array['1']::jsonb[],
    'media', 30, 5, poll_step_slugs => array['cpu']) $$, :'run'),
  $$ values ('cpu') $$, 'complete_tasks_and_poll claims only the steps in poll_step_slugs');

select throws_ok($$ select * from pgflow.poll_for_tasks('media', 30, 1, 0, step_slugs => array['gpu', 'tpu']) $$, '42704',
  'flow ''media'' has no step ''tpu''', 'a step the flow does not have is refused, naming it');
select throws_ok($$ select * from pgflow.poll_for_tasks('media', 30, 1, 0, step_slugs => array['gpu', null]) $$, '22004',
  'pgflow.poll_for_tasks: step_slugs must not be null', 'a NULL step slug is refused');

select * from finish();
rollback;
