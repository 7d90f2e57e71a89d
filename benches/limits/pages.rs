//! Rows of the limits bench: see main.rs.

use crate::report::Measured;
use crate::support::Env;

pub async fn run(env: &Env) -> anyhow::Result<Vec<Measured>> {
    let _ = env;
    Ok(Vec::new())
}
