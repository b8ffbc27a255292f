//! The SQL functions, grouped by family. Each shim checks its arguments for NULL, opens one SPI
//! connection and hands over to the engine; errors are raised with their SQLSTATE.
//! All functions write, so all are VOLATILE; all pin search_path.

mod definition;
mod runs;
mod tasks;
