begin;
select plan(5);

select throws_ok($$ select * from pgflow.poll_for_tasks('f', -1, 1) $$, '22023',
  'poll_for_tasks on flow ''f'': vt must be at least 0, got -1', 'negative lease');
select throws_ok($$ select * from pgflow.poll_for_tasks('f', 1, -1) $$, '22023',
  'poll_for_tasks on flow ''f'': qty must be at least 0, got -1', 'negative qty');
select throws_ok($$ select * from pgflow.poll_for_tasks('f', 1, 1, 1, 0) $$, '22023',
  'poll_for_tasks on flow ''f'': poll_interval_ms must be at least 1, got 0', 'zero poll interval');
select throws_ok($$ select * from pgflow.poll_for_tasks(null, 1, 1) $$, '22004',
  'pgflow.poll_for_tasks: queue_name must not be null', 'null queue');
select is_empty($$ select * from pgflow.poll_for_tasks('f', 1, 0) $$, 'qty 0 claims nothing and does not wait');

select * from finish();
rollback;
