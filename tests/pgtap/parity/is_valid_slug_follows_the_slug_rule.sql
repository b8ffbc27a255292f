begin;
select plan(3);

select is(array(select pgflow.is_valid_slug(s) from unnest(array['a', '_x', 'step_1', repeat('s', 128)]) s),
  array[true, true, true, true], 'letters, digits and underscores, not first a digit, up to 128');
select is(array(select pgflow.is_valid_slug(s) from unnest(array['', '1a', 'a-b', 'run', repeat('s', 129)]) s),
  array[false, false, false, false, false], 'empty, a leading digit, a dash, the reserved run, 129 characters');
select is((select count(*)::int from unnest(array['a', 'A9', '_', '9', 'a b', 'é', 'run', 'runs', repeat('x', 128), repeat('x', 129)]) s
            where pgflow.is_valid_slug(s) <> (s ~ '^[a-zA-Z_][a-zA-Z0-9_]*$' and length(s) <= 128 and s <> 'run')),
  0, 'the same rule as the slug domain of the tables');

select * from finish();
rollback;
