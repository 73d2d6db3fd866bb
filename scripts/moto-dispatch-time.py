#!/usr/bin/env python3
"""What moto spends on one `GetSecretValue`, with its own dispatcher and with the one of
`local/emulator/moto_serve.py` (which lists moto's service modules once).

    .venv/bin/python scripts/moto-dispatch-time.py [CALLS]

Both dispatchers run in this process (werkzeug's test client, no sockets), taking turns
in rounds of 10 calls; prints the median per call of each, in milliseconds.
"""
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "local" / "emulator"))

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402
from moto_serve import Dispatcher  # noqa: E402
from werkzeug.test import Client  # noqa: E402

SCOPE = "Credential=local/20261207/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=x"


def call(client, action, body):
    headers = {
        "X-Amz-Target": f"secretsmanager.{action}",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": f"AWS4-HMAC-SHA256 {SCOPE}",
    }
    started = time.perf_counter()
    answer = client.post("/", headers=headers, data=json.dumps(body))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return (time.perf_counter() - started) * 1000


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    clients = {
        "moto's dispatcher": Client(DomainDispatcherApplication(create_backend_app)),
        "moto_serve.py's": Client(Dispatcher(create_backend_app)),
    }
    # One moto backend serves both (it is global to the process): one secret is enough.
    call(clients["moto_serve.py's"], "CreateSecret", {"Name": "key", "SecretString": "{}"})
    times = {name: [] for name in clients}
    for _ in range(calls // 10):
        for name, client in clients.items():
            times[name] += [call(client, "GetSecretValue", {"SecretId": "key"}) for _ in range(10)]
    for name, values in times.items():
        print(f"{name:20} GetSecretValue median {statistics.median(values):.2f} ms ({len(values)} calls)")


if __name__ == "__main__":
    main()
