//! The SQL functions, grouped by family. Each shim checks its arguments for NULL, opens one SPI
//! connection and hands over to the engine; errors are raised with their SQLSTATE.
//! Functions that write are VOLATILE, those that only read are STABLE; all pin search_path.

mod citus;
mod definition;
mod observe;
mod runs;
mod tasks;
