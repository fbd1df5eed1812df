//! Second implementations in python3: a test passes its cases as one JSON argument to a script
//! that prints its answers as JSON, and compares them with the Rust code's. Without python3 the
//! test is skipped with a printed reason, except under CI, where it fails ([`crate::unavailable`]).

use std::process::Command;

use serde_json::Value;

/// Runs `python3 -c script input` and parses what it printed; `None` (skip) when python3 cannot
/// run outside CI.
///
/// # Panics
/// When the script fails or prints something that is not JSON, and under CI when python3 is missing.
pub fn run_json(script: &str, input: &Value) -> Option<Value> {
    match Command::new("python3").arg("-c").arg(script).arg(input.to_string()).output() {
        Ok(out) => {
            assert!(out.status.success(), "python3 failed: {}", String::from_utf8_lossy(&out.stderr));
            Some(serde_json::from_slice(&out.stdout).expect("python3 printed JSON"))
        }
        Err(e) => {
            crate::unavailable("python3 (the independent implementation)", &e.to_string());
            None
        }
    }
}

/// A deterministic xorshift sequence seeded by `seed`, for pseudo-random test cases that are the
/// same on every run.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
