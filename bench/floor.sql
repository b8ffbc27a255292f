-- The floor: the least SQL the benchmark's work needs, with no engine around it.
create table if not exists floor_tasks (
  run int not null,
  idx int not null,
  status text not null default 'queued',
  item jsonb not null,
  output jsonb,
  primary key (run, idx)
);
create index if not exists floor_tasks_queued_idx on floor_tasks (run, idx) where status = 'queued';
