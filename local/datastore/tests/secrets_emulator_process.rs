//! moto's server as the platform runs it (`local/emulator/moto_serve.py --watch-stdin`):
//! it exits cleanly when its standard input closes, and on SIGTERM or SIGINT (a Ctrl-C
//! in the terminal of `make dev` reaches it too), even the moment it has printed its
//! endpoint.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use local_datastore::secrets_emulator::python;

mod process;

/// How long a stopped server may take to exit (Python stops slower than the binary).
const WITHIN: Duration = Duration::from_secs(10);

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

#[test]
fn exits_cleanly_when_its_standard_input_closes() {
    let mut child = spawn();
    drop(child.stdin.take());
    assert!(
        process::exits_cleanly(&mut child, WITHIN),
        "exits with 0 once stdin closes"
    );
}

#[test]
fn exits_cleanly_on_sigterm_while_it_watches_its_standard_input() {
    let mut child = spawn();
    process::signal(child.id(), "-TERM");
    assert!(
        process::exits_cleanly(&mut child, WITHIN),
        "exits with 0 on SIGTERM"
    );
}

#[test]
fn exits_cleanly_on_sigint_while_it_watches_its_standard_input() {
    let mut child = spawn();
    process::signal(child.id(), "-INT");
    assert!(
        process::exits_cleanly(&mut child, WITHIN),
        "exits with 0 on SIGINT"
    );
}
