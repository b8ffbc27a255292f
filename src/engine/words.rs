//! The words statements return for statuses and policies, as enums: a word the engine does not
//! know is an internal error where it is read, never a silent default.

use pgrx::datum::{FromDatum, IntoDatum};
use pgrx::pg_sys;

/// `'a', 'b' or 'c'`: the words an argument may be, as refusals name them.
pub fn one_of(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $word:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($variant),* }

        impl $name {
            /// Every word, in the order they are declared (and named in error messages).
            pub const WORDS: &'static [&'static str] = &[$($word),*];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromDatum for $name {
            unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, typoid: pg_sys::Oid) -> Option<Self> {
                // SAFETY: a text datum, as the statement's header declares.
                let word = unsafe { String::from_polymorphic_datum(datum, is_null, typoid) }?;
                match word.as_str() {
                    $($word => Some($name::$variant),)*
                    other => pgrx::error!("pgflow read an unknown {} {other:?}", stringify!($name)),
                }
            }
        }

        impl IntoDatum for $name {
            fn into_datum(self) -> Option<pg_sys::Datum> {
                self.as_str().into_datum()
            }
            fn type_oid() -> pg_sys::Oid {
                pg_sys::TEXTOID
            }
            fn is_compatible_with(other: pg_sys::Oid) -> bool {
                other == pg_sys::TEXTOID
            }
        }
    };
}

words! {
    /// What a failed step (`when_exhausted`) or one whose condition is unmet (`when_unmet`) does
    /// to its run.
    WhenFailed { Fail = "fail", Skip = "skip", SkipCascade = "skip-cascade" }
}

words! {
    /// What a fan-out does when some of its tasks run out of attempts.
    FanoutPolicy { FailFast = "fail_fast", CollectAll = "collect_all", Threshold = "threshold" }
}

words! {
    /// The status of a run (`pgflow.runs.status`).
    RunStatus { Started = "started", Completed = "completed", Failed = "failed", Cancelled = "cancelled" }
}
