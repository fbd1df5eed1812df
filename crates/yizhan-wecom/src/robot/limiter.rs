//! The client's own record of a robot's sends: WeCom lets a robot post
//! [`MESSAGES_PER_WINDOW`](super::limits::MESSAGES_PER_WINDOW) messages per minute (45009 beyond).
//!
//! Every request that may have reached WeCom takes a slot, stamped with the injectable clock;
//! slots older than the window are forgotten. With pre-emptive limiting on (the default), a send
//! that would exceed the limit is refused locally, without a request, as `RateLimited` with the
//! time until the oldest slot leaves the window. A 45009 from WeCom blocks the robot for the rest
//! of the window as computed from the same record (a full window when the record is empty, e.g.
//! when another process shares the key).

use std::collections::VecDeque;
use std::time::Duration;

/// Why [`SendWindow::acquire`] refused a send, and how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// WeCom answered 45009 earlier; the block lasts this much longer.
    Blocked(Duration),
    /// The local limit is reached; the oldest send leaves the window after this.
    Full(Duration),
}

impl Refused {
    /// How long to wait.
    pub(crate) fn wait(self) -> Duration {
        match self {
            Refused::Blocked(d) | Refused::Full(d) => d,
        }
    }
}

/// A sliding window of send timestamps (epoch ms) for one robot.
#[derive(Debug)]
pub(crate) struct SendWindow {
    /// Refuse locally beyond this many sends per window; `None` only records.
    limit: Option<u32>,
    window_ms: i64,
    sent: VecDeque<i64>,
    blocked_until_ms: i64,
}

impl SendWindow {
    /// A window of `window` holding at most `limit` sends (`None`: never refuse locally).
    pub(crate) fn new(limit: Option<u32>, window: Duration) -> Self {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1);
        SendWindow { limit, window_ms, sent: VecDeque::new(), blocked_until_ms: i64::MIN }
    }

    fn prune(&mut self, now_ms: i64) {
        while self.sent.front().is_some_and(|&t| t <= now_ms - self.window_ms) {
            self.sent.pop_front();
        }
    }

    /// Takes a slot stamped `now_ms`, or says how long to wait when the robot is blocked by an
    /// earlier 45009 or the local limit is reached.
    pub(crate) fn acquire(&mut self, now_ms: i64) -> Result<(), Refused> {
        self.prune(now_ms);
        if self.blocked_until_ms > now_ms {
            return Err(Refused::Blocked(millis(self.blocked_until_ms - now_ms)));
        }
        if let Some(limit) = self.limit
            && self.sent.len() >= limit as usize
        {
            return Err(Refused::Full(self.rest_of_window(now_ms)));
        }
        self.sent.push_back(now_ms);
        Ok(())
    }

    /// Gives back the slot stamped `at_ms`: the request never reached WeCom or was refused.
    pub(crate) fn release(&mut self, at_ms: i64) {
        if let Some(i) = self.sent.iter().rposition(|&t| t == at_ms) {
            self.sent.remove(i);
        }
    }

    /// WeCom answered 45009: block until the oldest recorded send leaves the window (a whole
    /// window when none is recorded) and return that wait.
    pub(crate) fn rate_limited(&mut self, now_ms: i64) -> Duration {
        self.prune(now_ms);
        let wait = self.rest_of_window(now_ms);
        self.blocked_until_ms = now_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        wait
    }

    /// Sends recorded in the window ending at `now_ms`.
    pub(crate) fn in_window(&mut self, now_ms: i64) -> usize {
        self.prune(now_ms);
        self.sent.len()
    }

    fn rest_of_window(&self, now_ms: i64) -> Duration {
        match self.sent.front() {
            Some(&oldest) => millis(oldest + self.window_ms - now_ms),
            None => millis(self.window_ms),
        }
    }
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms.max(0)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn refuses_the_twenty_first_until_the_oldest_leaves() {
        let mut w = SendWindow::new(Some(20), MINUTE);
        for i in 0..20 {
            assert_eq!(w.acquire(1_000 + i * 100), Ok(()));
        }
        assert_eq!(w.acquire(5_000), Err(Refused::Full(Duration::from_millis(56_000))));
        assert_eq!(w.acquire(61_000), Ok(()), "the first send left the window");
        assert_eq!(w.in_window(61_000), 20);
    }

    #[test]
    fn without_a_limit_it_only_records() {
        let mut w = SendWindow::new(None, MINUTE);
        for i in 0..30 {
            assert_eq!(w.acquire(i), Ok(()));
        }
        assert_eq!(w.in_window(30), 30);
        w.release(29);
        assert_eq!(w.in_window(30), 29);
    }

    #[test]
    fn a_45009_blocks_for_the_rest_of_the_window() {
        let mut w = SendWindow::new(None, MINUTE);
        w.acquire(10_000).ok();
        w.acquire(20_000).ok();
        assert_eq!(w.rate_limited(30_000), Duration::from_secs(40));
        assert_eq!(w.acquire(69_999), Err(Refused::Blocked(Duration::from_millis(1))));
        assert_eq!(w.acquire(70_000), Ok(()));
        let mut empty = SendWindow::new(Some(20), MINUTE);
        assert_eq!(empty.rate_limited(0), MINUTE, "nothing recorded: a whole window");
    }
}
