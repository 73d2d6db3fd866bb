#!/usr/bin/env python3
"""Starts moto's server, an AWS API emulator, for Secrets Manager (and IAM) in tests and `make dev`.

    python moto_serve.py [--port 0] [--host 127.0.0.1] [--watch-stdin]

Prints one JSON line, {"endpoint":"http://HOST:PORT"}, once it accepts connections.
Memory only: the local platform puts the signing-key secret in on every start.
With --watch-stdin it exits when its standard input closes, so a test process that
dies for any reason never leaves an emulator behind (like the dynamodb-emulator binary).

moto's own dispatcher lists moto's package folder (one `stat` per service, about 180)
on every request to find the service a request is for: half of the 2.5 ms a
`GetSecretValue` costs it, which a user function's cold start waits for. The
dispatcher here finds it the same way from a list read once.
"""
import argparse
import json
import logging
import os
import signal
import sys
import threading

from moto import backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


class Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, with moto's service modules listed once."""

    modules = frozenset(backends.list_of_moto_modules())

    def get_backend_for_host(self, host):
        if host is None or host == "moto_api" or host in self.modules:
            return host
        url = f"http://{host}"
        return next((backend for backend, pattern in self.backend_url_patterns if pattern.match(url)), None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--watch-stdin", action="store_true")
    args = parser.parse_args()
    # One line per request on stderr would drown the platform's own log.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server(
        args.host, args.port, Dispatcher(create_backend_app), threaded=True, request_handler=MotoRequestHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Watched before the endpoint is printed: a SIGTERM sent as soon as it is read stops
    # the server cleanly instead of killing it.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.watch_stdin:

        # os.read, not sys.stdin: a thread blocked in a buffered read holds the buffer's
        # lock, and Python aborts at exit when it cannot take it.
        def watch():
            while os.read(sys.stdin.fileno(), 65536):
                pass
            stop.set()

        threading.Thread(target=watch, daemon=True).start()
    host, port = server.server_address[:2]
    print(json.dumps({"endpoint": f"http://{host}:{port}"}), flush=True)
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
