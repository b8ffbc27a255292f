-- Everything of the extension's schema that an upgrade must reproduce, as sorted text lines: a
-- fresh install and an upgraded one must print the same.
\pset format unaligned
\pset tuples_only on
select line from (
  select format('column %s.%s %s %s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                case when a.attnotnull then 'not null' else 'null' end,
                coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''),
                case a.attcompression when 'l' then ' compression lz4' when 'p' then ' compression pglz' else '' end) as line,
         1 as kind, c.relname as name, a.attnum as pos
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'pgflow'
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
  where c.relkind in ('r', 'c')
  union all
  select format('storage %s %s', c.relname, array_to_string(c.reloptions, ',')), 1, c.relname, -1
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'pgflow'
  where c.reloptions is not null
  union all
  select format('sequence %s %s cache %s', c.relname, format_type(s.seqtypid, null), s.seqcache), 1, c.relname, -2
  from pg_sequence s
  join pg_class c on c.oid = s.seqrelid
  join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'pgflow'
  union all
  select format('constraint %s.%s %s', c.relname, k.conname, pg_get_constraintdef(k.oid)), 2, k.conname, 0
  from pg_constraint k
  join pg_class c on c.oid = k.conrelid
  join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'pgflow'
  union all
  select format('index %s', pg_get_indexdef(i.indexrelid)), 3, ic.relname, 0
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_namespace n on n.oid = ic.relnamespace and n.nspname = 'pgflow'
  union all
  select format('function %s(%s) returns %s %s%s config %s acl %s', p.proname,
                pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end,
                case when p.prosecdef then ' security definer' else '' end,
                coalesce(array_to_string(p.proconfig, ','), '-'),
                coalesce(p.proacl::text, 'default')), 4, p.proname, 0
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'pgflow'
  union all
  select format('acl %s %s', c.relname, coalesce(c.relacl::text, 'default')), 5, c.relname, 0
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'pgflow'
  where c.relkind in ('r', 'S')
  union all
  select format('dump %s', c.relname), 6, c.relname, 0
  from pg_extension e, unnest(e.extconfig) as cfg (oid)
  join pg_class c on c.oid = cfg.oid
  where e.extname = 'pgflow'
) catalog
order by kind, name, pos, line;
