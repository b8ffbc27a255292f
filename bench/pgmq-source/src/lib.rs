// Empty: this crate exists so that `cargo fetch` brings the pgmq crate, whose source carries pgmq's SQL install script.
