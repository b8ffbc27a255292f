-- What a spawn writes: one queue entry per task under a fixed-width lane key (a hash of the
-- slugs) and its shard, claimed in lane and shard order; task ids unique; the array a fan-out spawns from, stored with
-- lz4 where the server has it (else pglz), and read back whole.
begin;
select plan(9);

select pgflow.create_flow('narrow');
select pgflow.add_step('narrow', 'items', step_type => 'fanout');
select pgflow.add_step('narrow', 'total', array['items']);
-- Same step slug, another flow: its lane is apart from narrow's.
select pgflow.create_flow('other');
select pgflow.add_step('other', 'items', step_type => 'fanout');

create temp table r as
select (select run_id from pgflow.start_flow('narrow',
          (select jsonb_agg(jsonb_build_object('i', i, 'pad', repeat('x', 40))) from generate_series(0, 9999) i))) as big,
       (select run_id from pgflow.start_flow('other', '[1, 2, 3]')) as small;

-- lz4 where the server was built with it: the probe fails elsewhere.
create temp table expected (compression text);
do $$
begin
  create temp table probe (t text compression lz4);
  insert into expected values ('lz4');
exception when feature_not_supported then
  insert into expected values ('pglz');
end
$$;

select is((select array_agg(pg_get_indexdef('pgflow.step_tasks_queued_idx'::regclass, k, true) order by k)
             from generate_series(1, 5) k),
          array['hashtextextended((flow_slug || ''/''::text) || step_slug, 0::bigint)', 'priority', 'shard', 'visible_at', 'task_index'],
          'the queue index keys a lane''s step by one hash of its slugs, then priority, shard, visible_at and task_index');
select is((select reloptions from pg_class where oid = 'pgflow.step_tasks_queued_idx'::regclass),
          array['deduplicate_items=off'], 'its keys being unique, it does not deduplicate');
select is((select count(*) from pgflow.step_tasks
            where hashtextextended(flow_slug || '/' || step_slug, 0) = hashtextextended('narrow/items', 0)
              and status = 'queued'),
          10000::bigint, 'the spawn queued one task per item under narrow''s lane');
select is((select count(distinct message_id) from pgflow.step_tasks), 10003::bigint, 'every task has its own id');

select is((select pg_column_compression(input) from pgflow.runs where run_id = (select big from r)),
          (select compression from expected), 'the array a root fan-out spawns from is stored compressed');
select is((select jsonb_array_length(input) from pgflow.runs where run_id = (select big from r)), 10000,
          'and read back whole');

-- Claims read the lanes apart: all of other's, none of narrow's, then narrow's in item order
-- within the shard the claim starts at (16 ranges of 625 items: see step_tasks.shard).
select is((select array_agg((input ->> 'item')::int order by task_index) from pgflow.poll_for_tasks('other', 30, 10, 0)),
          array[1, 2, 3], 'a claim of the other flow takes its own lane''s tasks only');
create temp table narrow_claim as select task_index from pgflow.poll_for_tasks('narrow', 30, 3, 0);
-- Shard p's first items are 625 * p, 625 * p + 1, ...
select is((select array_agg(task_index order by task_index) from narrow_claim),
          (select array[m, m + 1, m + 2] from (select min(task_index) as m from narrow_claim) x where m % 625 = 0),
          'a claim of narrow takes the first items of the shard it starts at');

-- A dependency's array output, stored on its step's row, is compressed the same way.
select count(*) from pgflow.poll_for_tasks('narrow', 30, 10000, 0);
select pgflow.complete_tasks(array_fill((select big from r), array[10000]), array_fill('items'::text, array[10000]),
                             array(select generate_series(0, 9999)),
                             array(select jsonb_build_object('done', i, 'pad', repeat('y', 40)) from generate_series(0, 9999) i));
select is((select pg_column_compression(output) from pgflow.step_states
            where run_id = (select big from r) and step_slug = 'items'),
          (select compression from expected), 'a fan-out''s output array is stored compressed');

select * from finish();
rollback;
