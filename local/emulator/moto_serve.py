#!/usr/bin/env python3
"""Starts moto's server, an AWS API emulator, for Secrets Manager (and IAM) in tests and `make dev`.

    python moto_serve.py [--port 0] [--host 127.0.0.1] [--watch-stdin]

Prints one JSON line, {"endpoint":"http://HOST:PORT"}, once it accepts connections.
Memory only: the local platform puts the signing-key secret in on every start.
With --watch-stdin it exits when its standard input closes, so a test process that
dies for any reason never leaves an emulator behind (like the dynamodb-emulator binary).
"""
import argparse
import json
import logging
import signal
import sys
import threading

from moto.server import ThreadedMotoServer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--watch-stdin", action="store_true")
    args = parser.parse_args()
    # One line per request on stderr would drown the platform's own log.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(json.dumps({"endpoint": f"http://{host}:{port}"}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.watch_stdin:

        def watch():
            sys.stdin.buffer.read()
            stop.set()

        threading.Thread(target=watch, daemon=True).start()
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
