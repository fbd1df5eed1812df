//! Giving freed heap memory back to the operating system.
//!
//! glibc's allocator keeps what a thread freed in that thread's arena and only unmaps the top of
//! each arena, so after a burst (say a million scheduled messages accepted in batches) the
//! gateway stayed resident near its peak for as long as it ran: 54 MB of anonymous memory after
//! one million scheduled messages, of which `malloc_trim(0)` gave back a third
//! (docs/benchmarks.md, "Memory"). `yizhan serve` therefore calls [`release_free_memory`] every
//! [`TRIM_EVERY`] on a blocking thread. Elsewhere (musl, macOS) this does nothing.
//!
//! Most of an idle gateway's resident memory is not heap but pages of its own executable and
//! shared libraries that start-up touched once (argument parsing, configuration, migrations, TLS
//! set-up, building the router, preparing the statements of the worker's first claims):
//! docs/benchmarks.md, "Idle memory". [`SETTLE`] after it is ready, `yizhan serve` calls
//! [`release_startup_pages`], which unmaps the read-only, never-written pages of its mapped
//! files from the process; what serving runs afterwards is mapped again from the page cache on
//! first use (a minor fault), and what only start-up needed stays out.

use std::time::Duration;

/// How often `yizhan serve` returns freed heap memory.
pub const TRIM_EVERY: Duration = Duration::from_secs(5);

/// How long after it is ready `yizhan serve` releases its start-up pages: time for the first
/// rounds of its periodic tasks (the worker polls every 200 ms, the callback forwarder every
/// 250 ms), whose first statements SQLite compiles once and then keeps prepared.
pub const SETTLE: Duration = Duration::from_millis(500);

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

/// Unmaps the pages of this process's read-only, unmodified file mappings (the code and
/// constants of the executable and of the shared libraries) from this process; returns the
/// resident kB they held. They stay in the page cache and are mapped again when next used, so
/// this changes no content, only what is resident. A mapping the kernel refuses to advise is
/// left as it is. Does nothing (and returns 0) off Linux with glibc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_startup_pages() -> std::io::Result<u64> {
    let smaps = std::fs::read_to_string("/proc/self/smaps")?;
    let mut released = 0;
    for m in mappings(&smaps).iter().filter(|m| m.unmodified_file_image()) {
        match forget_pages(m.start, m.end - m.start) {
            Ok(()) => released += m.rss_kb,
            Err(e) => tracing::debug!(path = %m.path, error = %e, "mapping kept resident"),
        }
    }
    Ok(released)
}

/// Unmaps the start-up pages (nothing to do off Linux with glibc).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_startup_pages() -> std::io::Result<u64> {
    Ok(0)
}

/// `madvise(MADV_DONTNEED)` over `[start, start + len)`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn forget_pages(start: usize, len: usize) -> std::io::Result<()> {
    let addr = std::ptr::with_exposed_provenance_mut::<libc::c_void>(start);
    // SAFETY: the range is one whole mapping of a file (the executable or a shared library),
    // private, not writable and without a single written (anonymous) page, as /proc/self/smaps
    // reported it. For such a mapping MADV_DONTNEED only drops page-table entries: the next
    // access maps the same file page again, so every byte any reference points at reads the
    // same. A page could only become written in between through an mprotect making the mapping
    // writable, which in this process only the dynamic loader does, while it relocates the text
    // of a library it is loading; x86-64 and aarch64 shared libraries have no text relocations.
    let rc = unsafe { libc::madvise(addr, len, libc::MADV_DONTNEED) };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// One mapping of `/proc/self/smaps`, with the fields [`release_startup_pages`] checks.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[derive(Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    end: usize,
    perms: String,
    path: String,
    rss_kb: u64,
    anonymous_kb: u64,
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
impl Mapping {
    /// A private, non-writable mapping of a file (not a device) none of whose pages was ever
    /// written.
    fn unmodified_file_image(&self) -> bool {
        let perms = self.perms.as_bytes();
        self.path.starts_with('/')
            && !self.path.starts_with("/dev/")
            && perms.len() == 4
            && perms[1] != b'w'
            && perms[3] == b'p'
            && self.anonymous_kb == 0
            && self.end > self.start
    }
}

/// The mappings listed in `smaps` (the text of `/proc/<pid>/smaps`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn mappings(smaps: &str) -> Vec<Mapping> {
    let mut out: Vec<Mapping> = Vec::new();
    for line in smaps.lines() {
        if let Some(m) = header(line) {
            out.push(m);
        } else if let (Some(m), Some((key, value))) = (out.last_mut(), line.split_once(':')) {
            let kb = value.trim().trim_end_matches(" kB").parse::<u64>().unwrap_or(0);
            match key {
                "Rss" => m.rss_kb = kb,
                // A mapping whose Anonymous line is missing is not trusted as unmodified.
                "Anonymous" => m.anonymous_kb = kb,
                _ => {}
            }
        }
    }
    out
}

/// A mapping's header line: `start-end perms offset dev inode [path]`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn header(line: &str) -> Option<Mapping> {
    let mut fields = line.splitn(6, ' ');
    let (start, end) = fields.next()?.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    let perms = fields.next()?.to_owned();
    let _offset = fields.next()?;
    let _dev = fields.next()?;
    let _inode = fields.next()?;
    let path = fields.next().unwrap_or_default().trim_start().to_owned();
    Some(Mapping { start, end, perms, path, rss_kb: 0, anonymous_kb: u64::MAX })
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

    const SMAPS: &str = "\
55d0c0000000-55d0c0100000 r--p 00000000 08:01 1234                       /opt/yizhan (deleted)
Size:               1024 kB
Rss:                 512 kB
Anonymous:             0 kB
VmFlags: rd mr mw me sd
55d0c0100000-55d0c0400000 r-xp 00100000 08:01 1234                       /opt/yizhan (deleted)
Rss:                2048 kB
Anonymous:             0 kB
55d0c0400000-55d0c0410000 r--p 00400000 08:01 1234                       /opt/yizhan (deleted)
Rss:                  64 kB
Anonymous:            60 kB
55d0c0410000-55d0c0411000 rw-p 00410000 08:01 1234                       /opt/yizhan (deleted)
Rss:                   4 kB
Anonymous:             0 kB
7f0000000000-7f0000001000 r-xp 00000000 08:01 99                         /usr/lib/libc.so.6
Rss:                   4 kB
Anonymous:             0 kB
7f0000002000-7f0000003000 r--p 00000000 00:05 7                          /dev/dri/card0
Rss:                   4 kB
Anonymous:             0 kB
7f0000004000-7f0000005000 r--p 00000000 00:00 0 
Rss:                   4 kB
Anonymous:             0 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Rss:                  16 kB
Anonymous:            16 kB
7ffd00030000-7ffd00032000 r-xp 00000000 00:00 0                          [vdso]
Rss:                   8 kB
Anonymous:             0 kB
";

    #[test]
    fn only_unwritten_read_only_file_mappings_are_released() {
        let all = super::mappings(SMAPS);
        assert_eq!(all.len(), 9);
        assert_eq!((all[1].start, all[1].end, all[1].rss_kb), (0x55d0_c010_0000, 0x55d0_c040_0000, 2048));
        let chosen: Vec<(&str, &str)> =
            all.iter().filter(|m| m.unmodified_file_image()).map(|m| (m.path.as_str(), m.perms.as_str())).collect();
        // Not the relocated (written) read-only part, not the writable data, not a device, not
        // anonymous memory, the stack or the vDSO.
        assert_eq!(
            chosen,
            [("/opt/yizhan (deleted)", "r--p"), ("/opt/yizhan (deleted)", "r-xp"), ("/usr/lib/libc.so.6", "r-xp")]
        );
    }

    #[test]
    fn a_mapping_without_an_anonymous_count_is_kept() {
        let all = super::mappings("55d0c0100000-55d0c0400000 r-xp 00100000 08:01 1234   /opt/yizhan\nRss: 8 kB\n");
        assert!(!all[0].unmodified_file_image());
    }

    /// The resident kB of the mapped files (the executable and the shared libraries).
    fn resident_image_kb() -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        super::mappings(&smaps).iter().filter(|m| m.path.starts_with('/')).map(|m| m.rss_kb).sum()
    }

    #[test]
    fn releasing_start_up_pages_lowers_the_resident_image_and_leaves_it_intact() {
        let before = resident_image_kb();
        let released = super::release_startup_pages().expect("madvise");
        let after = resident_image_kb();
        assert!(released > 0 && released <= before, "released {released} of {before} kB");
        // Whatever this thread (and the others of the test binary) ran since is mapped again,
        // a small part of what was resident.
        assert!(after < before / 2, "{after} kB resident after, {before} kB before");
        // The constants read again are the same bytes (the test binary's own `SMAPS`).
        assert_eq!(super::mappings(SMAPS).len(), 9);
    }
}
