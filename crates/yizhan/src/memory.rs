//! Giving freed heap memory back to the operating system.
//!
//! glibc's allocator keeps what a thread freed in that thread's arena and only unmaps the top of
//! each arena, so after a burst (say a million scheduled messages accepted in batches) the
//! gateway stayed resident near its peak for as long as it ran: 54 MB of anonymous memory after
//! one million scheduled messages, of which `malloc_trim(0)` gave back a third
//! (docs/benchmarks.md, "Memory"). `yizhan serve` therefore calls [`release_free_memory`] every
//! [`TRIM_EVERY`] on a blocking thread. Elsewhere (musl, macOS) this does nothing.

use std::time::Duration;

/// How often `yizhan serve` returns freed heap memory.
pub const TRIM_EVERY: Duration = Duration::from_secs(5);

/// Asks the allocator to return freed pages to the OS; true if any were returned.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_free_memory() -> bool {
    // SAFETY: malloc_trim takes no pointers and has no caller-side invariants; it only locks
    // and walks glibc's own arenas.
    unsafe { libc::malloc_trim(0) != 0 }
}

/// Asks the allocator to return freed pages to the OS (nothing to do off glibc).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() -> bool {
    false
}

/// Calls [`release_free_memory`] every [`TRIM_EVERY`] until `stop` resolves.
pub async fn trim_until(stop: impl Future<Output = ()>) {
    tokio::pin!(stop);
    let mut every = tokio::time::interval(TRIM_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = every.tick() => {
                if let Ok(released) = tokio::task::spawn_blocking(release_free_memory).await {
                    tracing::trace!(released, "returned freed heap memory");
                }
            }
        }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    #[test]
    fn memory_freed_in_a_thread_arena_is_returned() {
        // Small blocks (below the mmap threshold) come from the thread's arena and stay there
        // when freed; only the trim hands their pages back.
        std::thread::spawn(|| {
            let blocks: Vec<Vec<u8>> = (0..50_000).map(|i| vec![u8::try_from(i % 251).unwrap_or(0); 1024]).collect();
            assert_eq!(blocks.len(), 50_000);
        })
        .join()
        .expect("allocating thread");
        assert!(super::release_free_memory(), "malloc_trim returned nothing after 50 MB were freed");
    }
}
