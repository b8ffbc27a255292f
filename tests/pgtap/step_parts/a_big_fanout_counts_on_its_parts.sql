-- A fan-out of 64 tasks or more counts its answers on parts, one per shard of its tasks (up to 16
-- ranges of consecutive tasks, at least 64 each), and its
-- step's row only when a part's last item ends; what reads the counters adds the completions
-- still in the parts.
begin;
select plan(25);

select pgflow.create_flow('parted', max_attempts => 1);
select pgflow.add_step('parted', 'items', step_type => 'fanout', fanout_policy => 'collect_all');
select pgflow.add_step('parted', 'total', array['items']);
select pgflow.create_flow('small');
select pgflow.add_step('small', 'items', step_type => 'fanout');
select pgflow.create_flow('child');
select pgflow.add_step('child', 'only');
select pgflow.create_flow('parent');
select pgflow.add_step('parent', 'children', step_type => 'fanout', subflow => 'child');
select pgflow.create_flow('batched');
select pgflow.add_step('batched', 'items', step_type => 'fanout', batch_size => 7);
select pgflow.create_flow('wide');
select pgflow.add_step('wide', 'items', step_type => 'fanout');

create temp table r as
select (select run_id from pgflow.start_flow('parted', (select jsonb_agg(i) from generate_series(0, 199) i))) as parted,
       (select run_id from pgflow.start_flow('wide', (select jsonb_agg(i) from generate_series(0, 1099) i))) as wide,
       (select run_id from pgflow.start_flow('small', (select jsonb_agg(i) from generate_series(0, 62) i))) as small,
       (select run_id from pgflow.start_flow('batched', (select jsonb_agg(i) from generate_series(0, 499) i))) as batched;

select is((select array_agg(remaining order by part) from pgflow.step_parts where run_id = (select parted from r)),
          array[64, 64, 64, 8],
          '200 tasks: a part per 64 tasks, the last holding the 8 left');
select is((select array_agg(remaining order by part) from pgflow.step_parts where run_id = (select wide from r)),
          array_fill(69, array[15]) || 65,
          '1,100 tasks: 16 parts of ceil(1,100 / 16) = 69 consecutive tasks, the last holding the 65 left');
select is_empty($$ select * from pgflow.verify_run((select wide from r)) $$, 'the tasks'' shards agree with the parts');
select is((select count(*)::int from pgflow.step_parts where run_id = (select small from r)), 0,
          'a fan-out of 63 tasks has no parts');
-- A sub-flow fan-out's tasks are answered by its children's ends, which one worker's batch may
-- cascade into several at once, in no key order: they count on the step's row.
select is((select count(*)::int from pgflow.step_parts
            where run_id = (select run_id from pgflow.start_flow('parent', (select jsonb_agg(i) from generate_series(0, 99) i)))),
          0, 'a sub-flow fan-out of 100 children has no parts');
select is((select sum(remaining)::int from pgflow.step_parts where run_id = (select batched from r)), 500,
          '72 batches of 7 (the last of 3) have parts that count their 500 items');
select is((select remaining from pgflow.step_parts where run_id = (select batched from r) and part = 1), 7 * 7 + 3,
          'the part holding batches 64 to 71 counts the last one''s 3 items');

select count(*) from pgflow.poll_for_tasks('parted', 30, 1000, 0);

-- Tasks 0 to 13 of part 0: one answer each through complete_task, then a batch.
select pgflow.complete_task((select parted from r), 'items', i, to_jsonb(i)) from generate_series(0, 5) i;
select pgflow.complete_tasks(array_fill((select parted from r), array[8]), array_fill('items'::text, array[8]),
                             array(select generate_series(6, 13)), array(select to_jsonb(i) from generate_series(6, 13) i));
select is((select (completed_tasks, remaining_tasks)::text from pgflow.step_states where run_id = (select parted from r) and step_slug = 'items'),
          '(0,200)', 'no part ended: the step''s row is as it was spawned');
select is((select completed from pgflow.step_parts where run_id = (select parted from r) and part = 0), 14,
          'the 14 answers are on their part');
select is((select (completed, queued + running)::text from pgflow.progress((select parted from r)) where step_slug = 'items'),
          '(14,186)', 'progress counts the answers on the parts');
select is((select completed_tasks from pgflow.run_tree((select parted from r))), 14::bigint,
          'run_tree counts them too');
select is_empty($$ select * from pgflow.verify_run((select parted from r)) $$, 'verify_run finds the run consistent');

-- Part 0 (tasks 0 to 63): its last item ends it, and its completions go to the step's row.
select pgflow.complete_task((select parted from r), 'items', i, to_jsonb(i)) from generate_series(14, 63) i;
select pgflow.complete_task((select parted from r), 'items', i, to_jsonb(i)) from generate_series(64, 69) i;
select is((select (remaining, completed)::text from pgflow.step_parts where run_id = (select parted from r) and part = 0),
          '(0,64)', 'part 0 ended');
select is((select (completed_tasks, remaining_tasks)::text from pgflow.step_states where run_id = (select parted from r) and step_slug = 'items'),
          '(64,136)', 'its 64 completions are on the step''s row, the other parts'' still on theirs');
select is((select completed from pgflow.progress((select parted from r)) where step_slug = 'items'), 70,
          'progress counts each completion once');

-- Part 1 (tasks 64 to 127): a failure for good ends it, and moves its completions along.
select pgflow.complete_task((select parted from r), 'items', i, to_jsonb(i)) from generate_series(70, 126) i;
select pgflow.fail_task((select parted from r), 'items', 127, 'boom');
select is((select (completed_tasks, failed_tasks, remaining_tasks)::text from pgflow.step_states
            where run_id = (select parted from r) and step_slug = 'items'),
          '(127,1,72)', 'a failure that ends a part counts the part''s completions on the step''s row');
select is_empty($$ select * from pgflow.verify_run((select parted from r)) $$, 'still consistent');

-- The rest, in one batch: the step ends once, with every item.
select pgflow.complete_tasks(array_fill((select parted from r), array[count(*)::int]), array_fill('items'::text, array[count(*)::int]),
                             array_agg(task_index), array_agg(to_jsonb(task_index)))
from pgflow.step_tasks where run_id = (select parted from r) and step_slug = 'items' and status = 'started';
select is((select (status, completed_tasks, failed_tasks, remaining_tasks)::text from pgflow.step_states
            where run_id = (select parted from r) and step_slug = 'items'),
          '(completed,199,1,0)', 'the step completed when its last part ended');
select is((select jsonb_array_length(output) from pgflow.step_states where run_id = (select parted from r) and step_slug = 'items'), 200,
          'with one envelope per item');
select is((select output -> 127 ->> 'ok' from pgflow.step_states where run_id = (select parted from r) and step_slug = 'items'), 'false',
          'the failed item''s envelope says so');
select is((select count(*)::int from pgflow.step_tasks where run_id = (select parted from r) and step_slug = 'total'), 1,
          'its dependent started');
select is((select sum(remaining)::int from pgflow.step_parts where run_id = (select parted from r)), 0, 'every part ended');
select is_empty($$ select * from pgflow.verify_run((select parted from r)) $$, 'consistent at the end');

-- The batched fan-out: every batch answered with one output per item.
select count(*) from pgflow.poll_for_tasks('batched', 30, 1000, 0);
select pgflow.complete_tasks(array_fill((select batched from r), array[count(*)::int]), array_fill('items'::text, array[count(*)::int]),
                             array_agg(task_index), array_agg((select jsonb_agg(0) from jsonb_array_elements(item))))
from pgflow.step_tasks where run_id = (select batched from r);
select is((select (status, completed_tasks, remaining_tasks)::text from pgflow.step_states where run_id = (select batched from r)),
          '(completed,500,0)', 'a batched fan-out with parts completes with its 500 items');
select is((select status from pgflow.runs where run_id = (select batched from r)), 'completed', 'and its run');

select * from finish();
rollback;
