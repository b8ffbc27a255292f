//! The definition model, and its one validator. A flow's definition is one value whichever of its
//! three sources it comes from: the tables, the arguments of create_flow and add_step (thin
//! wrappers that build it), and a shape (pgflow's FlowShape JSON, with this engine's options beside
//! pgflow's). `FlowOptions::check` and `StepDefinition::check` are every rule that needs no
//! database; `definition.rs` adds those that do (the flow exists, the dependencies are steps of
//! it, a sub-flow makes no cycle) and writes. Two definitions are compared field by field, so a
//! re-definition that differs is named difference by difference instead of being ignored.

use pgrx::AnyNumeric;
use serde_json::{json, Map, Value};

use super::words::{one_of, FanoutPolicy, WhenFailed};
use crate::error::{PgflowError, Result};
use crate::validate;

#[derive(Clone, Debug, PartialEq)]
pub struct FlowOptions {
    pub max_attempts: i32,
    pub base_delay: i32,
    pub timeout: i32,
    pub run_timeout: Option<i32>,
    pub max_delay: i32,
    /// At most this many tasks of the flow leased at a time, across its runs.
    pub max_concurrency: Option<i32>,
}

impl FlowOptions {
    /// pgflow's defaults (a NULL argument or a key missing from a shape takes them), and this
    /// engine's for its own options. The table defaults in sql/schema.sql are checked against
    /// these by a test (`defaults_match_the_schema`).
    pub const DEFAULT_MAX_ATTEMPTS: i32 = 3;
    pub const DEFAULT_BASE_DELAY: i32 = 5;
    pub const DEFAULT_TIMEOUT: i32 = 60;
    pub const DEFAULT_MAX_DELAY: i32 = 300;

    /// The flow's slug and options, as create_flow, a shape and the DSL's compiled calls give them.
    pub fn check(&self, flow_slug: &str) -> Result<()> {
        validate::slug("flow", flow_slug)?;
        let subject = format!("flow '{flow_slug}'");
        validate::definition_option(&subject, "max_attempts", Some(self.max_attempts))?;
        validate::definition_option(&subject, "base_delay", Some(self.base_delay))?;
        validate::definition_option(&subject, "timeout", Some(self.timeout))?;
        validate::definition_option(&subject, "run_timeout", self.run_timeout)?;
        validate::definition_option(&subject, "max_delay", Some(self.max_delay))?;
        validate::definition_option(&subject, "max_concurrency", self.max_concurrency)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StepType {
    Single,
    Fanout,
}

impl StepType {
    /// `'map'` is pgflow's name for a fan-out step, accepted so its compiled flows load unchanged.
    pub fn parse(step_type: &str, flow_slug: &str, step_slug: &str) -> Result<StepType> {
        match step_type {
            "single" => Ok(StepType::Single),
            "fanout" | "map" => Ok(StepType::Fanout),
            other => Err(PgflowError::InvalidArgument(format!(
                "step '{step_slug}' of flow '{flow_slug}': unknown step_type {other:?} (expected 'single' or 'fanout')"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StepType::Single => "single",
            StepType::Fanout => "fanout",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepOptions {
    pub max_attempts: Option<i32>,
    pub base_delay: Option<i32>,
    pub timeout: Option<i32>,
    pub start_delay: Option<i32>,
    pub fanout_timeout: Option<i32>,
    pub max_delay: Option<i32>,
    /// A fan-out's cap: at most this many of its tasks of one run queued or leased at a time.
    pub max_concurrency: Option<i32>,
    /// A fan-out's items per task.
    pub batch_size: Option<i32>,
}

/// What a step does when its tasks fail: its fan-out policy and what its failure does to the run.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureOptions {
    pub fanout_policy: String,
    pub success_threshold: Option<AnyNumeric>,
    pub when_exhausted: String,
    /// false: a fan-out's output is a summary of counts, its items are read with read_results.
    pub aggregate: bool,
}

impl FailureOptions {
    pub const FANOUT_POLICIES: &'static [&'static str] = FanoutPolicy::WORDS;
    pub const WHEN_EXHAUSTED: &'static [&'static str] = WhenFailed::WORDS;
    pub const DEFAULT_FANOUT_POLICY: &'static str = FanoutPolicy::FailFast.as_str();
    pub const DEFAULT_WHEN_EXHAUSTED: &'static str = WhenFailed::Fail.as_str();
    /// A fan-out's output is its items' outputs unless `aggregate => false`.
    pub const DEFAULT_AGGREGATE: bool = true;

    fn check(&self, subject: &str, step_type: StepType) -> Result<()> {
        let refuse = |message: String| Err(PgflowError::InvalidArgument(format!("{subject}: {message}")));
        if !Self::FANOUT_POLICIES.contains(&self.fanout_policy.as_str()) {
            return refuse(format!(
                "unknown fanout_policy {:?} (expected {})",
                self.fanout_policy,
                one_of(Self::FANOUT_POLICIES)
            ));
        }
        if step_type == StepType::Single && self.fanout_policy != Self::DEFAULT_FANOUT_POLICY {
            return refuse(format!(
                "fanout_policy '{}' needs a fan-out step; a single step has one task",
                self.fanout_policy
            ));
        }
        match (&self.success_threshold, self.fanout_policy == "threshold") {
            (None, true) => return refuse("fanout_policy 'threshold' needs a success_threshold in (0, 1]".into()),
            (Some(_), false) => return refuse("success_threshold is only for fanout_policy 'threshold'".into()),
            (Some(t), true) if *t <= AnyNumeric::from(0) || *t > AnyNumeric::from(1) => {
                return refuse(format!("success_threshold must be in (0, 1], got {t}"))
            }
            _ => {}
        }
        if step_type == StepType::Single && !self.aggregate {
            return refuse("aggregate false needs a fan-out step; a single step's output is its task's".into());
        }
        if !Self::WHEN_EXHAUSTED.contains(&self.when_exhausted.as_str()) {
            return refuse(format!(
                "unknown when_exhausted {:?} (expected {})",
                self.when_exhausted,
                one_of(Self::WHEN_EXHAUSTED)
            ));
        }
        Ok(())
    }
}

/// A condition on a step's input: it runs only if its input contains `required` and does not
/// contain `forbidden`; otherwise `when_unmet` says what happens, in the words of when_exhausted.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub required: Option<Value>,
    pub forbidden: Option<Value>,
    pub when_unmet: String,
}

impl Condition {
    /// `WhenFailed`'s words (the engine reads a stored when_unmet as one), skip first: the default,
    /// and the order add_step's message names them in.
    pub const WHEN_UNMET: &'static [&'static str] =
        &[WhenFailed::Skip.as_str(), WhenFailed::SkipCascade.as_str(), WhenFailed::Fail.as_str()];
    pub const DEFAULT_WHEN_UNMET: &'static str = WhenFailed::Skip.as_str();

    fn check(&self, subject: &str) -> Result<()> {
        for (name, pattern) in
            [("required_input_pattern", &self.required), ("forbidden_input_pattern", &self.forbidden)]
        {
            if let Some(pattern) = pattern.as_ref().filter(|p| !p.is_object()) {
                return Err(PgflowError::InvalidArgument(format!(
                    "{subject}: {name} must be a JSON object (matched with @>), got {pattern}"
                )));
            }
        }
        if !Self::WHEN_UNMET.contains(&self.when_unmet.as_str()) {
            return Err(PgflowError::InvalidArgument(format!(
                "{subject}: unknown when_unmet {:?} (expected {})",
                self.when_unmet,
                one_of(Self::WHEN_UNMET)
            )));
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct StepDefinition {
    pub slug: String,
    pub step_type: StepType,
    /// Sorted, so that the order they were declared in does not make two definitions differ.
    pub deps: Vec<String>,
    pub options: StepOptions,
    pub failure: FailureOptions,
    pub condition: Condition,
    /// A fan-out over the field at this dotted path of its source rather than the source itself.
    pub fanout_path: Option<String>,
    /// A fan-out whose items are runs of this flow.
    pub subflow: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FlowDefinition {
    pub options: FlowOptions,
    /// In definition order (step_index).
    pub steps: Vec<StepDefinition>,
}

impl StepDefinition {
    /// Everything about a step that does not need the database: its slugs, options and the rules
    /// between them. add_step and a shape's steps go through it alike.
    pub fn check(&self, flow_slug: &str) -> Result<()> {
        validate::slug("flow", flow_slug)?;
        validate::slug("step", &self.slug)?;
        let (step_slug, step_type, options) = (self.slug.as_str(), self.step_type, &self.options);
        let subject = format!("step '{step_slug}' of flow '{flow_slug}'");
        validate::definition_option(&subject, "max_attempts", options.max_attempts)?;
        validate::definition_option(&subject, "base_delay", options.base_delay)?;
        validate::definition_option(&subject, "timeout", options.timeout)?;
        validate::definition_option(&subject, "start_delay", options.start_delay)?;
        validate::definition_option(&subject, "fanout_timeout", options.fanout_timeout)?;
        validate::definition_option(&subject, "max_delay", options.max_delay)?;
        validate::definition_option(&subject, "max_concurrency", options.max_concurrency)?;
        validate::definition_option(&subject, "batch_size", options.batch_size)?;
        for (name, set) in
            [("max_concurrency", options.max_concurrency.is_some()), ("batch_size", options.batch_size.is_some())]
        {
            if set && step_type != StepType::Fanout {
                return Err(PgflowError::InvalidArgument(format!(
                    "{subject}: {name} needs a fan-out step; a single step has one task"
                )));
            }
        }
        for (i, dep) in self.deps.iter().enumerate() {
            if dep == step_slug {
                return Err(PgflowError::InvalidArgument(format!("{subject} cannot depend on itself")));
            }
            if self.deps[..i].contains(dep) {
                return Err(PgflowError::InvalidArgument(format!("{subject} lists dependency '{dep}' more than once")));
            }
        }
        if step_type == StepType::Fanout && self.deps.len() > 1 {
            return Err(PgflowError::InvalidArgument(format!(
                "{subject}: a fan-out step has at most one dependency, got {}",
                self.deps.len()
            )));
        }
        self.failure.check(&subject, step_type)?;
        self.condition.check(&subject)?;
        if let Some(path) = &self.fanout_path {
            if step_type != StepType::Fanout {
                return Err(PgflowError::InvalidArgument(format!(
                    "{subject}: fanout_path needs a fan-out step; a single step gets its input whole"
                )));
            }
            if path.split('.').any(str::is_empty) {
                return Err(PgflowError::InvalidArgument(format!(
                    "{subject}: fanout_path {path:?} must be field names joined by dots, such as 'items' or 'page.rows'"
                )));
            }
        }
        Ok(())
    }
}

/// Collects `name old -> new` for each field that differs.
#[derive(Default)]
struct Changes(Vec<String>);

impl Changes {
    fn field<T: PartialEq>(&mut self, name: &str, old: &T, new: &T, show: impl Fn(&T) -> String) {
        if old != new {
            self.0.push(format!("{name} {} -> {}", show(old), show(new)));
        }
    }
}

fn int(value: &i32) -> String {
    value.to_string()
}

/// A step option left NULL takes the flow's value.
fn inherited(value: &Option<i32>) -> String {
    value.map_or_else(|| "default".to_string(), |v| v.to_string())
}

fn none_or(value: &Option<i32>) -> String {
    value.map_or_else(|| "none".to_string(), |v| v.to_string())
}

pub fn flow_changes(old: &FlowOptions, new: &FlowOptions) -> Vec<String> {
    let mut changes = Changes::default();
    changes.field("max_attempts", &old.max_attempts, &new.max_attempts, int);
    changes.field("base_delay", &old.base_delay, &new.base_delay, int);
    changes.field("timeout", &old.timeout, &new.timeout, int);
    changes.field("run_timeout", &old.run_timeout, &new.run_timeout, none_or);
    changes.field("max_delay", &old.max_delay, &new.max_delay, int);
    changes.field("max_concurrency", &old.max_concurrency, &new.max_concurrency, none_or);
    changes.0
}

pub fn step_changes(old: &StepDefinition, new: &StepDefinition) -> Vec<String> {
    let mut changes = Changes::default();
    changes.field("deps", &old.deps, &new.deps, |deps| format!("{{{}}}", deps.join(", ")));
    changes.field("step_type", &old.step_type, &new.step_type, |t| t.as_str().to_string());
    let (o, n) = (&old.options, &new.options);
    changes.field("max_attempts", &o.max_attempts, &n.max_attempts, inherited);
    changes.field("base_delay", &o.base_delay, &n.base_delay, inherited);
    changes.field("timeout", &o.timeout, &n.timeout, inherited);
    changes.field("start_delay", &o.start_delay, &n.start_delay, inherited);
    changes.field("fanout_timeout", &o.fanout_timeout, &n.fanout_timeout, none_or);
    changes.field("max_delay", &o.max_delay, &n.max_delay, inherited);
    changes.field("max_concurrency", &o.max_concurrency, &n.max_concurrency, none_or);
    changes.field("batch_size", &o.batch_size, &n.batch_size, none_or);
    let (o, n) = (&old.failure, &new.failure);
    changes.field("fanout_policy", &o.fanout_policy, &n.fanout_policy, String::clone);
    changes.field("success_threshold", &o.success_threshold, &n.success_threshold, |t| {
        t.as_ref().map_or_else(|| "none".to_string(), |t| t.normalize().to_string())
    });
    changes.field("when_exhausted", &o.when_exhausted, &n.when_exhausted, String::clone);
    changes.field("aggregate", &o.aggregate, &n.aggregate, bool::to_string);
    let (o, n) = (&old.condition, &new.condition);
    let pattern = |p: &Option<Value>| p.as_ref().map_or_else(|| "none".to_string(), Value::to_string);
    changes.field("required_input_pattern", &o.required, &n.required, pattern);
    changes.field("forbidden_input_pattern", &o.forbidden, &n.forbidden, pattern);
    changes.field("when_unmet", &o.when_unmet, &n.when_unmet, String::clone);
    changes.field("fanout_path", &old.fanout_path, &new.fanout_path, |p| p.clone().unwrap_or_else(|| "none".into()));
    changes.field("subflow", &old.subflow, &new.subflow, |p| p.clone().unwrap_or_else(|| "none".into()));
    changes.0
}

/// Every difference between a stored definition and a wanted one: one entry for the flow's
/// options and one per step that differs, is new or is gone.
pub fn differences(old: &FlowDefinition, new: &FlowDefinition) -> Vec<String> {
    let mut out = Vec::new();
    let flow = flow_changes(&old.options, &new.options);
    if !flow.is_empty() {
        out.push(format!("flow: {}", flow.join(", ")));
    }
    for step in &new.steps {
        match old.steps.iter().find(|stored| stored.slug == step.slug) {
            None => out.push(format!("{}: not in the stored flow", step.slug)),
            Some(stored) => {
                let changes = step_changes(stored, step);
                if !changes.is_empty() {
                    out.push(format!("{}: {}", step.slug, changes.join(", ")));
                }
            }
        }
    }
    for stored in &old.steps {
        if !new.steps.iter().any(|step| step.slug == stored.slug) {
            out.push(format!("{}: only in the stored flow", stored.slug));
        }
    }
    out
}

/// The shape of a definition. Keys pgflow knows come first and are always there; this engine's
/// options appear only when they differ from their defaults, so a flow that uses none of them has
/// exactly the shape pgflow would give it.
pub fn to_shape(definition: &FlowDefinition) -> Value {
    let steps: Vec<Value> = definition.steps.iter().map(step_shape).collect();
    let o = &definition.options;
    let mut options = Map::new();
    options.insert("maxAttempts".into(), json!(o.max_attempts));
    options.insert("baseDelay".into(), json!(o.base_delay));
    options.insert("timeout".into(), json!(o.timeout));
    if let Some(run_timeout) = o.run_timeout {
        options.insert("runTimeout".into(), json!(run_timeout));
    }
    if o.max_delay != FlowOptions::DEFAULT_MAX_DELAY {
        options.insert("maxDelay".into(), json!(o.max_delay));
    }
    if let Some(max_concurrency) = o.max_concurrency {
        options.insert("maxConcurrency".into(), json!(max_concurrency));
    }
    json!({ "steps": steps, "options": options })
}

fn step_shape(step: &StepDefinition) -> Value {
    let mut shape = Map::new();
    shape.insert("slug".into(), json!(step.slug));
    shape.insert("stepType".into(), json!(if step.step_type == StepType::Fanout { "map" } else { "single" }));
    shape.insert("dependencies".into(), json!(step.deps));
    let pattern = |p: &Option<Value>| match p {
        Some(value) => json!({ "defined": true, "value": value }),
        None => json!({ "defined": false }),
    };
    shape.insert("whenUnmet".into(), json!(step.condition.when_unmet));
    shape.insert("whenExhausted".into(), json!(step.failure.when_exhausted));
    shape.insert("requiredInputPattern".into(), pattern(&step.condition.required));
    shape.insert("forbiddenInputPattern".into(), pattern(&step.condition.forbidden));
    let f = &step.failure;
    if f.fanout_policy != FailureOptions::DEFAULT_FANOUT_POLICY {
        shape.insert("fanoutPolicy".into(), json!(f.fanout_policy));
    }
    if let Some(threshold) = &f.success_threshold {
        let value: f64 = threshold.clone().try_into().unwrap_or(f64::NAN);
        shape.insert("successThreshold".into(), json!(value));
    }
    if !f.aggregate {
        shape.insert("aggregate".into(), json!(false));
    }
    if let Some(path) = &step.fanout_path {
        shape.insert("fanoutPath".into(), json!(path));
    }
    if let Some(subflow) = &step.subflow {
        shape.insert("subflow".into(), json!(subflow));
    }
    let o = &step.options;
    let mut options = Map::new();
    for (key, value) in [
        ("maxAttempts", o.max_attempts),
        ("baseDelay", o.base_delay),
        ("timeout", o.timeout),
        ("startDelay", o.start_delay),
        ("fanoutTimeout", o.fanout_timeout),
        ("maxDelay", o.max_delay),
        ("maxConcurrency", o.max_concurrency),
        ("batchSize", o.batch_size),
    ] {
        if let Some(value) = value {
            options.insert(key.into(), json!(value));
        }
    }
    if !options.is_empty() {
        shape.insert("options".into(), Value::Object(options));
    }
    Value::Object(shape)
}

/// Reads a shape. Missing keys take their defaults (older pgflow shapes have only slug, stepType
/// and dependencies); a key this engine does not know, or a condition, which it cannot run yet, is
/// refused rather than dropped.
pub fn from_shape(flow_slug: &str, shape: &Value) -> Result<FlowDefinition> {
    let refuse = |message: String| PgflowError::InvalidArgument(format!("shape of flow '{flow_slug}': {message}"));
    let top = object(shape, "the shape").map_err(refuse)?;
    known_keys(top, &["steps", "options"], "the shape").map_err(refuse)?;
    let options = match top.get("options") {
        None | Some(Value::Null) => Map::new(),
        Some(value) => object(value, "options").map_err(refuse)?.clone(),
    };
    known_keys(
        &options,
        &["maxAttempts", "baseDelay", "timeout", "runTimeout", "maxDelay", "maxConcurrency"],
        "options",
    )
    .map_err(refuse)?;
    let flow_options = FlowOptions {
        max_attempts: integer(&options, "maxAttempts", "options")
            .map_err(refuse)?
            .unwrap_or(FlowOptions::DEFAULT_MAX_ATTEMPTS),
        base_delay: integer(&options, "baseDelay", "options")
            .map_err(refuse)?
            .unwrap_or(FlowOptions::DEFAULT_BASE_DELAY),
        timeout: integer(&options, "timeout", "options").map_err(refuse)?.unwrap_or(FlowOptions::DEFAULT_TIMEOUT),
        run_timeout: integer(&options, "runTimeout", "options").map_err(refuse)?,
        max_delay: integer(&options, "maxDelay", "options").map_err(refuse)?.unwrap_or(FlowOptions::DEFAULT_MAX_DELAY),
        max_concurrency: integer(&options, "maxConcurrency", "options").map_err(refuse)?,
    };
    let Some(Value::Array(steps)) = top.get("steps") else {
        return Err(refuse("\"steps\" must be an array".into()));
    };
    let steps = steps
        .iter()
        .enumerate()
        .map(|(index, step)| step_from_shape(flow_slug, index, step))
        .collect::<Result<Vec<_>>>()?;
    Ok(FlowDefinition { options: flow_options, steps })
}

fn step_from_shape(flow_slug: &str, index: usize, step: &Value) -> Result<StepDefinition> {
    let at = format!("step at index {index}");
    let refuse = |message: String| PgflowError::InvalidArgument(format!("shape of flow '{flow_slug}': {message}"));
    let fields = object(step, &at).map_err(refuse)?;
    known_keys(
        fields,
        &[
            "slug",
            "stepType",
            "dependencies",
            "whenUnmet",
            "whenExhausted",
            "requiredInputPattern",
            "forbiddenInputPattern",
            "fanoutPolicy",
            "successThreshold",
            "aggregate",
            "fanoutPath",
            "subflow",
            "options",
        ],
        &at,
    )
    .map_err(refuse)?;
    let slug = string(fields, "slug", &at).map_err(refuse)?.ok_or_else(|| refuse(format!("{at} has no slug")))?;
    let at = format!("step '{slug}'");
    let step_type = StepType::parse(
        &string(fields, "stepType", &at).map_err(refuse)?.unwrap_or_else(|| "single".into()),
        flow_slug,
        &slug,
    )?;
    let mut deps = match fields.get("dependencies") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(deps)) => deps
            .iter()
            .map(|dep| {
                dep.as_str().map(str::to_string).ok_or_else(|| refuse(format!("{at}: dependencies must be strings")))
            })
            .collect::<Result<Vec<_>>>()?,
        Some(_) => return Err(refuse(format!("{at}: dependencies must be an array"))),
    };
    deps.sort();
    let pattern = |key: &str| -> Result<Option<Value>> {
        match fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(p)) => match (p.get("defined"), p.get("value")) {
                (Some(Value::Bool(false)), _) => Ok(None),
                (Some(Value::Bool(true)), Some(value)) => Ok(Some(value.clone())),
                _ => Err(refuse(format!(
                    "{at}: {key} must be {{\"defined\": false}} or {{\"defined\": true, \"value\": ...}}"
                ))),
            },
            Some(other) => Err(refuse(format!("{at}: {key} must be an object, got {other}"))),
        }
    };
    let condition = Condition {
        required: pattern("requiredInputPattern")?,
        forbidden: pattern("forbiddenInputPattern")?,
        when_unmet: string(fields, "whenUnmet", &at)
            .map_err(refuse)?
            .unwrap_or_else(|| Condition::DEFAULT_WHEN_UNMET.into()),
    };
    let options = match fields.get("options") {
        None | Some(Value::Null) => Map::new(),
        Some(value) => object(value, &format!("{at} options")).map_err(refuse)?.clone(),
    };
    let where_ = format!("{at} options");
    known_keys(
        &options,
        &[
            "maxAttempts",
            "baseDelay",
            "timeout",
            "startDelay",
            "fanoutTimeout",
            "maxDelay",
            "maxConcurrency",
            "batchSize",
        ],
        &where_,
    )
    .map_err(refuse)?;
    let option = |key: &str| integer(&options, key, &where_).map_err(refuse);
    let success_threshold = match fields.get("successThreshold") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            AnyNumeric::try_from(n.as_f64().unwrap_or(f64::NAN))
                .map_err(|_| refuse(format!("{at}: successThreshold {n} is not a number")))?,
        ),
        Some(other) => return Err(refuse(format!("{at}: successThreshold must be a number, got {other}"))),
    };
    let aggregate = match fields.get("aggregate") {
        None | Some(Value::Null) => FailureOptions::DEFAULT_AGGREGATE,
        Some(Value::Bool(aggregate)) => *aggregate,
        Some(other) => return Err(refuse(format!("{at}: aggregate must be true or false, got {other}"))),
    };
    Ok(StepDefinition {
        slug: slug.clone(),
        step_type,
        deps,
        options: StepOptions {
            max_attempts: option("maxAttempts")?,
            base_delay: option("baseDelay")?,
            timeout: option("timeout")?,
            start_delay: option("startDelay")?,
            fanout_timeout: option("fanoutTimeout")?,
            max_delay: option("maxDelay")?,
            max_concurrency: option("maxConcurrency")?,
            batch_size: option("batchSize")?,
        },
        failure: FailureOptions {
            fanout_policy: string(fields, "fanoutPolicy", &at)
                .map_err(refuse)?
                .unwrap_or_else(|| FailureOptions::DEFAULT_FANOUT_POLICY.into()),
            success_threshold,
            when_exhausted: string(fields, "whenExhausted", &at)
                .map_err(refuse)?
                .unwrap_or_else(|| FailureOptions::DEFAULT_WHEN_EXHAUSTED.into()),
            aggregate,
        },
        condition,
        fanout_path: string(fields, "fanoutPath", &at).map_err(refuse)?,
        subflow: string(fields, "subflow", &at).map_err(refuse)?,
    })
}

fn object<'v>(value: &'v Value, what: &str) -> std::result::Result<&'v Map<String, Value>, String> {
    value.as_object().ok_or_else(|| format!("{what} must be a JSON object, got {value}"))
}

fn known_keys(fields: &Map<String, Value>, known: &[&str], what: &str) -> std::result::Result<(), String> {
    match fields.keys().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(format!("{what} has an unknown key {key:?} (known: {})", known.join(", "))),
        None => Ok(()),
    }
}

fn string(fields: &Map<String, Value>, key: &str, what: &str) -> std::result::Result<Option<String>, String> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{what}: {key} must be a string, got {other}")),
    }
}

fn integer(fields: &Map<String, Value>, key: &str, what: &str) -> std::result::Result<Option<i32>, String> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => Ok(Some(n)),
            None => Err(format!("{what}: {key} must be a whole number, got {n}")),
        },
        Some(other) => Err(format!("{what}: {key} must be a number, got {other}")),
    }
}
