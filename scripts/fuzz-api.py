#!/usr/bin/env python3
"""Fuzzes the local platform with schemathesis against the contract, api/openapi.yaml.

    .venv/bin/python scripts/fuzz-api.py [schemathesis run options, e.g. --seed 42]

Starts `target/debug/local-platform dev --port 0 --data-dir <fresh temp dir>` (its
own process group; its output goes to target/api-fuzz-platform.log), waits for its
`READY <url>` line, runs `schemathesis run <url>/api/openapi.yaml` with
api/schemathesis.toml and api/schemathesis_hooks.py (the contract as the platform
serves it), then stops the platform (SIGTERM, SIGKILL after 10 s) and exits with
schemathesis's exit code: 0 only if no check failed and nothing crashed.

Environment: LOCAL_PLATFORM (the platform binary, default target/debug/local-platform).
Run from anywhere; `make api-fuzz` builds the binaries and installs schemathesis first.
"""

import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 120
# The run's own budget is max-time in api/schemathesis.toml; this only catches a hang.
RUN_TIMEOUT_SECONDS = 600
STOP_GRACE_SECONDS = 10


def log(message: str) -> None:
    print(f"[api-fuzz] {message}", file=sys.stderr, flush=True)


def start_platform(data_dir: str, log_file) -> tuple[subprocess.Popen, str]:
    """Starts the platform; returns it and its base URL once it printed READY."""
    binary = ROOT / os.environ.get("LOCAL_PLATFORM", "target/debug/local-platform")
    if not binary.exists():
        log(f"the local platform is not built: {binary} is missing (cargo build --workspace --bins)")
        sys.exit(2)
    command = [str(binary), "dev", "--port", "0", "--data-dir", data_dir]
    log(f"starting {' '.join(command)}")
    platform = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log_file,
        start_new_session=True,
        text=True,
    )
    selector = selectors.DefaultSelector()
    selector.register(platform.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            break
        line = platform.stdout.readline()
        if not line:
            break
        if line.startswith("READY "):
            return platform, line.split(maxsplit=1)[1].strip()
    stop(platform)
    log(f"the platform did not get ready; see {log_file.name}")
    sys.exit(2)


def stop(platform: subprocess.Popen) -> None:
    """Stops the platform and every process it started (its process group)."""
    if platform.poll() is not None:
        return
    os.killpg(platform.pid, signal.SIGTERM)
    try:
        platform.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(platform.pid, signal.SIGKILL)
        platform.wait()


def main() -> int:
    schemathesis = Path(sys.executable).parent / "schemathesis"
    (ROOT / "target").mkdir(exist_ok=True)
    platform_log = ROOT / "target" / "api-fuzz-platform.log"
    data_dir = tempfile.mkdtemp(prefix="todo-api-fuzz-")
    with open(platform_log, "w") as log_file:
        platform, url = start_platform(data_dir, log_file)
        try:
            command = [
                str(schemathesis),
                "--config-file",
                str(ROOT / "api" / "schemathesis.toml"),
                "run",
                f"{url}/api/openapi.yaml",
                *sys.argv[1:],
            ]
            environment = {
                **os.environ,
                "TODO_BASE_URL": url,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "api"), os.environ.get("PYTHONPATH")])),
            }
            log(f"running {' '.join(command)}")
            started = time.monotonic()
            try:
                code = subprocess.run(command, cwd=ROOT, env=environment, timeout=RUN_TIMEOUT_SECONDS).returncode
            except subprocess.TimeoutExpired:
                log(f"schemathesis did not finish within {RUN_TIMEOUT_SECONDS} s")
                code = 1
            log(f"schemathesis exited with {code} after {time.monotonic() - started:.0f} s")
        finally:
            stop(platform)
            shutil.rmtree(data_dir, ignore_errors=True)
    if code != 0:
        log(f"the platform's log: {platform_log.relative_to(ROOT)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
