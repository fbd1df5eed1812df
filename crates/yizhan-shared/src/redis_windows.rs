//! [`RedisWindows`]: [`SlidingWindows`](yizhan_core::window::SlidingWindows) semantics in Redis,
//! one atomic Lua script per call.
//!
//! Each quota key is a sorted set `{prefix}q:{sha256(key)}` of grant instants (score = epoch ms,
//! member = a per-call nonce and the position, so members never collide). The script prunes
//! instants at or before `now - longest`, counts each window over `(now - len, +inf)`, grants and
//! records `now`, or answers the instant at which the blocking unit leaves every window — the
//! arithmetic of [`blocked_until`](yizhan_core::window::blocked_until), grants stamped after
//! `now` (by an instance whose clock runs ahead) included. Sets expire `longest` ms after their last grant (Redis time; pruning by
//! `now` does the exact work).

use redis::aio::ConnectionManager;
use yizhan_core::window::{Grant, Window};

use crate::Error;
use crate::keys::hash_hex;

const RESERVE: &str = r"
local now = tonumber(ARGV[1])
local nonce = ARGV[2]
local nwin = tonumber(ARGV[3])
local lens, limits = {}, {}
local longest = 0
for i = 1, nwin do
  lens[i] = tonumber(ARGV[2 + 2 * i])
  limits[i] = tonumber(ARGV[3 + 2 * i])
  if lens[i] > longest then longest = lens[i] end
end
local out = {}
for k = 1, #KEYS do
  local key = KEYS[k]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now - longest))
  local blocked = nil
  for i = 1, nwin do
    local lo = string.format('(%d', now - lens[i])
    local count = redis.call('ZCOUNT', key, lo, '+inf')
    if count >= limits[i] then
      local at = now + lens[i]
      if limits[i] > 0 then
        local e = redis.call('ZRANGEBYSCORE', key, lo, '+inf', 'WITHSCORES', 'LIMIT', count - limits[i], 1)
        at = tonumber(e[2]) + lens[i]
      end
      if blocked == nil or at > blocked then blocked = at end
    end
  end
  if blocked == nil then
    redis.call('ZADD', key, string.format('%d', now), nonce .. ':' .. k)
    redis.call('PEXPIRE', key, string.format('%d', math.max(longest, 1)))
    out[2 * k - 1] = 1
    out[2 * k] = 0
  else
    out[2 * k - 1] = 0
    out[2 * k] = blocked
  end
end
return out";

/// Sliding-window quotas in Redis, shared by every instance using the same prefix. Cheap to clone.
#[derive(Clone)]
pub struct RedisWindows {
    connection: ConnectionManager,
    prefix: String,
    script: redis::Script,
}

impl std::fmt::Debug for RedisWindows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisWindows").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisWindows {
    /// Windows under keys starting with `prefix` (e.g. `yizhan:`).
    pub fn new(connection: ConnectionManager, prefix: impl Into<String>) -> Self {
        RedisWindows { connection, prefix: prefix.into(), script: redis::Script::new(RESERVE) }
    }

    fn key(&self, key: &str) -> String {
        format!("{}q:{}", self.prefix, hash_hex(key))
    }

    /// Takes one unit per key (in order) under every window, atomically across instances;
    /// exactly the answers of `SlidingWindows::reserve` on the same history.
    pub async fn reserve(&self, keys: &[String], windows: &[Window], now_ms: i64) -> Result<Vec<Grant>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut invocation = self.script.prepare_invoke();
        for key in keys {
            invocation.key(self.key(key));
        }
        invocation.arg(now_ms).arg(uuid::Uuid::new_v4().simple().to_string()).arg(windows.len());
        for w in windows {
            invocation.arg(w.len_ms).arg(w.limit);
        }
        let mut con = self.connection.clone();
        let flat: Vec<i64> = invocation.invoke_async(&mut con).await?;
        if flat.len() != keys.len() * 2 {
            return Err(Error::Redis(format!("reserve script answered {} values for {} keys", flat.len(), keys.len())));
        }
        Ok(flat.chunks(2).map(|pair| if pair[0] == 1 { Grant::Granted } else { Grant::DeferUntil(pair[1]) }).collect())
    }

    /// Units of `key` inside `window` at `now_ms`.
    pub async fn usage(&self, key: &str, window: Window, now_ms: i64) -> Result<u32, Error> {
        let mut con = self.connection.clone();
        let count: u32 = redis::cmd("ZCOUNT")
            .arg(self.key(key))
            .arg(format!("({}", now_ms - window.len_ms))
            .arg(now_ms)
            .query_async(&mut con)
            .await?;
        Ok(count)
    }
}
