//! The statement registry, generated from the query files: each file under `sql/queries/<family>/`
//! declares its arguments and result columns in its first lines,
//!
//!     -- args: run_id uuid, step_slug text
//!     -- returns: remaining_steps integer, released_steps integer, error_message text null
//!
//! (a line of the list may go on on the next lines, each starting with `--  `; `none` and `nothing`
//! for an empty list; a last argument `now timestamp with time zone` is the clock, which
//! `plans::run` reads and passes itself, so that no statement calls `clock_timestamp()` where Citus
//! refuses a volatile function; `null` marks a column the statement may leave NULL; `as RustType` reads a
//! column as another type than its SQL type's). From that this writes, for `src/plans.rs`, one
//! `Statement` per file (its SQL, its argument types) and one row struct per statement
//! (`rows::FinishStep`), read by position: a NULL in a column not marked `null` is an internal
//! error, never a default. The test `statements_return_what_their_headers_declare` (src/lib.rs)
//! checks each declared column against what the statement returns.
use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// An argument's name and SQL type.
type Arg = (String, String);

struct Column {
    name: String,
    sql_type: String,
    nullable: bool,
    rust_type: Option<String>,
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/queries");
    println!("cargo:rerun-if-changed=sql/queries");
    println!("cargo:rerun-if-changed=sql/fragments.sql");
    let fragments = fragments(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/fragments.sql"));
    let out_dir = std::env::var("OUT_DIR").unwrap();
    let mut files = Vec::new();
    let mut families: Vec<_> = fs::read_dir(&root).expect("sql/queries").map(|e| e.unwrap().path()).collect();
    families.sort();
    for family in families {
        println!("cargo:rerun-if-changed={}", family.display());
        assert!(family.is_dir(), "{}: sql/queries holds only folders, one per family", family.display());
        let mut entries: Vec<_> = fs::read_dir(&family).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            println!("cargo:rerun-if-changed={}", path.display());
            files.push(path);
        }
    }

    let mut registry = String::new();
    let mut rows = String::new();
    let mut all = Vec::new();
    let mut row_types: HashMap<Vec<String>, String> = HashMap::new();
    for path in &files {
        let family = path.parent().unwrap().file_name().unwrap().to_str().unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let text = fs::read_to_string(path).unwrap();
        let (args, columns) = header(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expanded = expand(&text, &fragments).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        fs::create_dir_all(Path::new(&out_dir).join("sql").join(family)).unwrap();
        fs::write(Path::new(&out_dir).join(format!("sql/{family}/{stem}.sql")), expanded).unwrap();
        let name = stem.to_uppercase();
        let row = camel(stem);
        let arg_oids: Vec<String> = args
            .iter()
            .map(|(arg, ty)| {
                format!(
                    "PgBuiltInOids::{}",
                    arg_oid(ty).unwrap_or_else(|| panic!(
                        "{}: argument {arg} has type {ty}, which the registry does not know",
                        path.display()
                    ))
                )
            })
            .collect();
        let reads_clock = match args.iter().position(|(arg, _)| arg == "now") {
            None => false,
            Some(at) if at + 1 == args.len() && args[at].1 == "timestamp with time zone" => true,
            Some(_) => panic!("{}: `now timestamp with time zone` must be the last argument", path.display()),
        };
        let column_list: Vec<String> =
            columns.iter().map(|c| format!("Column {{ name: {:?}, sql_type: {:?} }}", c.name, c.sql_type)).collect();
        writeln!(
            registry,
            "pub static {name}: Statement<rows::{row}> = Statement::new(StatementInfo {{\n    name: {stem:?},\n    file: \"{family}/{stem}\",\n    sql: include_str!(concat!(env!(\"OUT_DIR\"), \"/sql/{family}/{stem}.sql\")),\n    args: &[{}],\n    reads_clock: {reads_clock},\n    columns: &[{}],\n}});",
            arg_oids.join(", "),
            column_list.join(", ")
        )
        .unwrap();
        all.push(name);

        // Statements that return the same columns share one row type (the Citus mode's statements
        // that stand in for one node's, say), so that a caller can run either.
        let shape: Vec<String> =
            columns.iter().map(|c| format!("{} {} {} {:?}", c.name, c.sql_type, c.nullable, c.rust_type)).collect();
        if let Some(same) = row_types.get(&shape) {
            writeln!(rows, "/// A row of `sql/queries/{family}/{stem}.sql`: the columns of {same}'s statement.")
                .unwrap();
            writeln!(rows, "#[allow(dead_code)]\npub type {row} = {same};\n").unwrap();
            continue;
        }
        row_types.insert(shape, row.clone());
        writeln!(rows, "/// A row of `sql/queries/{family}/{stem}.sql`.").unwrap();
        writeln!(rows, "#[allow(dead_code)]\npub struct {row} {{").unwrap();
        for c in columns.iter().filter(|c| c.sql_type != "void") {
            let ty = rust_type(c).unwrap_or_else(|| {
                panic!(
                    "{}: column {} has type {}, which the registry does not know",
                    path.display(),
                    c.name,
                    c.sql_type
                )
            });
            let ty = if c.nullable { format!("Option<{ty}>") } else { ty };
            writeln!(rows, "    pub {}: {ty},", field(&c.name)).unwrap();
        }
        writeln!(rows, "}}\n").unwrap();
        // Column positions, for the hot paths that read only some columns of each row (an
        // answer's caller keeps the task rows only when it returns them).
        writeln!(rows, "#[allow(dead_code)]\nimpl {row} {{").unwrap();
        for (i, c) in columns.iter().enumerate() {
            writeln!(rows, "    pub const {}: usize = {};", c.name.to_uppercase(), i + 1).unwrap();
        }
        writeln!(rows, "}}\n").unwrap();
        writeln!(rows, "impl FromRow for {row} {{").unwrap();
        writeln!(rows, "    #[allow(unused_variables)]\n    fn from_row(row: &SpiHeapTupleData<'_>, statement: &StatementInfo) -> Result<Self> {{").unwrap();
        writeln!(rows, "        Ok({row} {{").unwrap();
        for (i, c) in columns.iter().enumerate().filter(|(_, c)| c.sql_type != "void") {
            let ty = rust_type(c).unwrap();
            let read = if c.nullable { "column" } else { "required_column" };
            writeln!(rows, "            {}: {read}::<{ty}>(row, statement, {})?,", field(&c.name), i + 1).unwrap();
        }
        writeln!(rows, "        }})\n    }}\n}}\n").unwrap();
    }
    writeln!(registry, "\n/// Every statement of the engine (a test prepares them all).\n#[allow(dead_code)]\npub static ALL: &[&StatementInfo] = &[{}];", all.iter().map(|n| format!("&{n}.info")).collect::<Vec<_>>().join(", ")).unwrap();
    writeln!(
        registry,
        "\n/// The fragments of sql/fragments.sql (name, body), for the tests that compare their copies.\n#[allow(dead_code)]\npub static FRAGMENTS: &[(&str, &str)] = &[{}];",
        fragments.iter().map(|(name, body)| format!("({name:?}, {body:?})")).collect::<Vec<_>>().join(", ")
    )
    .unwrap();
    writeln!(registry, "\n/// The row of each statement, one struct per file.\npub mod rows {{\n    #[allow(unused_imports)]\n    use super::{{column, required_column, FromRow, StatementInfo}};\n    use crate::error::Result;\n    use pgrx::spi::SpiHeapTupleData;\n\n{rows}}}").unwrap();
    let out = Path::new(&out_dir).join("statements.rs");
    fs::write(out, registry).unwrap();
}

/// The `-- args:` and `-- returns:` lists of a file's first lines.
fn header(text: &str) -> Result<(Vec<Arg>, Vec<Column>), String> {
    let mut lists: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("-- args:").or_else(|| line.strip_prefix("-- returns:")) {
            let label = if line.starts_with("-- args:") { "args" } else { "returns" };
            lists.push((label.to_string(), rest.trim().to_string()));
        } else if let (Some(rest), Some(last)) = (line.strip_prefix("--  "), lists.last_mut()) {
            last.1.push(' ');
            last.1.push_str(rest.trim());
        } else {
            break;
        }
    }
    let [(a, args), (r, returns)] = lists.as_slice() else {
        return Err("it must begin with an `-- args:` line and a `-- returns:` line".into());
    };
    if a != "args" || r != "returns" {
        return Err("it must begin with `-- args:`, then `-- returns:`".into());
    }
    let split = |list: &str| -> Vec<String> {
        if list == "none" || list == "nothing" {
            Vec::new()
        } else {
            list.split(", ").map(|item| item.trim().trim_end_matches(',').to_string()).collect()
        }
    };
    let args = split(args)
        .into_iter()
        .map(|item| {
            let (name, ty) = item.split_once(' ').ok_or(format!("argument `{item}` has no type"))?;
            Ok((name.to_string(), ty.to_string()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let columns = split(returns)
        .into_iter()
        .map(|item| {
            let (item, rust_type) = match item.split_once(" as ") {
                Some((item, rust_type)) => (item.to_string(), Some(rust_type.to_string())),
                None => (item, None),
            };
            let (item, nullable) = match item.strip_suffix(" null") {
                Some(item) => (item.to_string(), true),
                None => (item, false),
            };
            let (name, sql_type) = item.split_once(' ').ok_or(format!("column `{item}` has no type"))?;
            Ok(Column { name: name.to_string(), sql_type: sql_type.to_string(), nullable, rust_type })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((args, columns))
}

fn arg_oid(sql_type: &str) -> Option<&'static str> {
    Some(match sql_type {
        "text" => "TEXTOID",
        "integer" => "INT4OID",
        "bigint" => "INT8OID",
        "uuid" => "UUIDOID",
        "boolean" => "BOOLOID",
        "jsonb" => "JSONBOID",
        "numeric" => "NUMERICOID",
        "interval" => "INTERVALOID",
        "timestamp with time zone" => "TIMESTAMPTZOID",
        "text[]" => "TEXTARRAYOID",
        "uuid[]" => "UUIDARRAYOID",
        "integer[]" => "INT4ARRAYOID",
        "jsonb[]" => "JSONBARRAYOID",
        _ => return None,
    })
}

fn rust_type(column: &Column) -> Option<String> {
    if let Some(rust_type) = &column.rust_type {
        return Some(rust_type.clone());
    }
    Some(
        match column.sql_type.as_str() {
            "text" => "String",
            "integer" => "i32",
            "bigint" => "i64",
            "uuid" => "pgrx::Uuid",
            "boolean" => "bool",
            "jsonb" => "crate::raw::RawJsonb",
            "numeric" => "pgrx::AnyNumeric",
            "interval" => "pgrx::datum::Interval",
            "timestamp with time zone" => "pgrx::datum::TimestampWithTimeZone",
            "text[]" => "Vec<String>",
            "uuid[]" => "Vec<pgrx::Uuid>",
            "integer[]" => "Vec<i32>",
            // Rows the statements build whole: carried as datums (see src/raw.rs) or pgrx's
            // composite type for the definition and run rows the functions return.
            "pgflow.step_task_record" => "crate::raw::RawTaskRecord",
            "pgflow.step_tasks" => "crate::raw::RawStepTask",
            "pgflow.flows" | "pgflow.steps" | "pgflow.runs" => "crate::engine::Row",
            _ => return None,
        }
        .to_string(),
    )
}

fn camel(stem: &str) -> String {
    stem.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A column name as a field name (`exists` and the like are Rust keywords).
fn field(name: &str) -> String {
    match name {
        "type" | "match" | "ref" | "fn" | "mod" | "use" | "impl" | "move" | "loop" | "where" => format!("r#{name}"),
        _ => name.to_string(),
    }
}

/// The fragments of sql/fragments.sql: name, and body with {1}, {2}, ... for its arguments. A body
/// goes on over the indented lines that follow its first.
fn fragments(path: &Path) -> Vec<(String, String)> {
    let mut fragments: Vec<(String, String)> = Vec::new();
    for line in fs::read_to_string(path).unwrap().lines() {
        if line.starts_with("--") || line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') {
            let (_, body) = fragments
                .last_mut()
                .unwrap_or_else(|| panic!("sql/fragments.sql: `{line}` is indented but goes on no fragment"));
            body.push('\n');
            body.push_str(line);
            continue;
        }
        let (signature, body) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("sql/fragments.sql: `{line}` is no `name(parameters) = body`"));
        let name = signature.split_once('(').map_or(signature, |(name, _)| name).trim();
        fragments.push((name.to_string(), body.trim().to_string()));
    }
    fragments
}

/// A statement with each call of a fragment replaced by the fragment's body; comments are left as
/// they are (a fragment named in one is not a call).
fn expand(text: &str, fragments: &[(String, String)]) -> Result<String, String> {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (code, comment) = match line.find("--") {
            Some(at) => line.split_at(at),
            None => (line, ""),
        };
        let mut code = code.to_string();
        for (name, body) in fragments {
            while let Some(start) = code.find(&format!("{name}(")) {
                let open = start + name.len();
                let mut depth = 0;
                let mut end = None;
                for (i, c) in code[open..].char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(open + i);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or(format!("{name}( is not closed on its line"))?;
                let mut args = Vec::new();
                let (mut depth, mut from) = (0, open + 1);
                for (i, c) in code[open + 1..end].char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        ',' if depth == 0 => {
                            args.push(code[from..open + 1 + i].trim().to_string());
                            from = open + 2 + i;
                        }
                        _ => {}
                    }
                }
                args.push(code[from..end].trim().to_string());
                let mut expansion = body.clone();
                for (i, arg) in args.iter().enumerate() {
                    expansion = expansion.replace(&format!("{{{}}}", i + 1), arg);
                }
                // A placeholder left ({N}); a JSON literal such as '{}' is not one.
                if expansion
                    .match_indices('{')
                    .any(|(at, _)| expansion[at + 1..].starts_with(|c: char| c.is_ascii_digit()))
                {
                    return Err(format!("{name} takes more arguments than the {} given", args.len()));
                }
                code.replace_range(start..=end, &expansion);
            }
        }
        out.push_str(&code);
        out.push_str(comment);
    }
    Ok(out)
}
