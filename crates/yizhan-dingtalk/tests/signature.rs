//! The client's signature against a second implementation in python3 (`hmac`, `hashlib`,
//! `base64`, `urllib.parse`) over the worked example of docs/dingtalk-feishu.md and pseudo-random
//! secrets and timestamps. Without python3 the test is skipped with a printed reason, except
//! with `CI=true`.

use serde_json::json;
use yizhan_dingtalk::sign::{query, sign};

/// For each `[secret, timestamp]`: `[sign, quote_plus(sign)]`.
const PYTHON: &str = r#"
import base64, hashlib, hmac, json, sys, urllib.parse
out = []
for secret, ts in json.loads(sys.argv[1]):
    mac = hmac.new(secret.encode(), (ts + "\n" + secret).encode(), hashlib.sha256).digest()
    sign = base64.b64encode(mac).decode()
    out.append([sign, urllib.parse.quote_plus(sign)])
print(json.dumps(out))
"#;

#[test]
fn signatures_match_python_and_the_worked_example() {
    let mut rng = yizhan_test_kit::python::xorshift(19);
    let alphabet: Vec<char> = "abcdefABCDEF0123456789-_+/=.~中文".chars().collect();
    let mut cases = vec![("SECa1b2c3d4e5f60718293a4b5c6d7e8f9".to_owned(), 1_700_000_000_004_i64)];
    for _ in 0..32 {
        let len = 8 + (rng() % 57) as usize;
        let secret: String =
            "SEC".chars().chain((0..len).map(|_| alphabet[(rng() as usize) % alphabet.len()])).collect();
        cases.push((secret, 1_500_000_000_000 + (rng() % 400_000_000_000) as i64));
    }
    let input = json!(cases.iter().map(|(s, t)| json!([s, t.to_string()])).collect::<Vec<_>>());
    let Some(out) = yizhan_test_kit::python::run_json(PYTHON, &input) else { return };
    assert_eq!(
        out[0],
        json!(["maGyZsfQNqA/haDZx0f6mMDhz0buie2+jgoePmALqF8=", "maGyZsfQNqA%2FhaDZx0f6mMDhz0buie2%2BjgoePmALqF8%3D"]),
        "python agrees with the worked example"
    );
    for ((secret, ts), expected) in cases.iter().zip(out.as_array().expect("list")) {
        assert_eq!(sign(secret, *ts), expected[0].as_str().expect("sign"), "{secret} {ts}");
        assert_eq!(query(secret, *ts), format!("timestamp={ts}&sign={}", expected[1].as_str().expect("quoted")));
    }
}
