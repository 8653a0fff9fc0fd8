//! Benchmark tooling, used only by the `portal-bench` binary (scripts/bench): generated data sets sharing the
//! store's schema code, the reference handler, and the command line around them.

pub mod cli;
pub mod data;
pub mod reference;
