//! What the emulators' process tests share: sending a signal, and waiting for a clean exit.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Sends `signal` (`-TERM`, `-KILL`, ...) to the process `pid` with `kill`.
pub(crate) fn signal(pid: u32, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill {signal} {pid}");
}

/// Waits up to `within` for `child` to exit; answers whether it exited with 0 (it is
/// killed when it has not exited by then).
pub(crate) fn exits_cleanly(child: &mut Child, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.success();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
