//! The engine: what each SQL function does, as plain Rust over SPI. Every function takes the SPI
//! client of the call it serves, so one call is one transaction and an error undoes all of it.

pub mod citus;
pub mod definition;
pub mod machine;
pub mod observe;
pub mod runs;
pub mod shape;
pub mod tasks;
pub mod wait;
pub mod words;

/// A row of a pgflow table or composite type, copied out of SPI to be returned to the caller.
pub type Row = pgrx::composite_type!('static, "any");
