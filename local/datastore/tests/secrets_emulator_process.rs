//! moto's server as the platform runs it (`local/emulator/moto_serve.py --watch-stdin`):
//! it exits cleanly when its standard input closes, and on SIGTERM or SIGINT (a Ctrl-C
//! in the terminal of `make dev` reaches it too), even the moment it has printed its
//! endpoint.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use local_datastore::secrets_emulator::python;

/// Starts the server watching its standard input and reads its ready line.
fn spawn() -> Child {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../emulator/moto_serve.py");
    let mut child = Command::new(python())
        .arg(script)
        .args(["--watch-stdin", "--port", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the project's .venv has moto (make .venv/.secrets-emulator-stamp)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a ready line");
    assert!(line.contains("\"endpoint\""), "{line}");
    child
}

/// Waits up to ten seconds for `child` to exit; answers whether it exited with 0.
fn exits_cleanly(child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
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

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[test]
fn exits_cleanly_when_its_standard_input_closes() {
    let mut child = spawn();
    drop(child.stdin.take());
    assert!(exits_cleanly(&mut child), "exits with 0 once stdin closes");
}

#[test]
fn exits_cleanly_on_sigterm_while_it_watches_its_standard_input() {
    let mut child = spawn();
    signal(&child, "-TERM");
    assert!(exits_cleanly(&mut child), "exits with 0 on SIGTERM");
}

#[test]
fn exits_cleanly_on_sigint_while_it_watches_its_standard_input() {
    let mut child = spawn();
    signal(&child, "-INT");
    assert!(exits_cleanly(&mut child), "exits with 0 on SIGINT");
}
