#!/usr/bin/env python3
"""Smoke test of a deployed stack, driven by the sample events in events/.

    smoke-test.py STACK_NAME      the API of that stack (its ApiUrl output; AWS credentials)
    smoke-test.py --url BASE_URL  any deployment of the API, e.g. http://127.0.0.1:3001 (make dev)

Each step sends the request of one sample event (method, path, query, body, the
content-type and accept headers) to the API over HTTPS, with a fresh user name and
password, the token of the login and the key of the created todo in place of the
events' `alice`, `{{token}}` and `{{key}}`, and checks the status (and the body where
it matters): register 201, a wrong password 401, login 200 with a token, no token
401, create 201, list 200 with the todo, delete 200 with deleted 1, and the account
closed at the end, so the stack keeps no smoke-test data. Stdlib (and boto3 for the
stack's outputs) only. The release workflow runs it against staging.
"""
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

EVENTS = Path(__file__).resolve().parent.parent / "events"
# The events' user and password, replaced by fresh ones.
EVENT_USER = "alice"
EVENT_PASSWORD = "correct horse battery"


def api_url_of(stack):
    import boto3

    stacks = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return outputs["ApiUrl"]


class Smoke:
    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.user = f"smoke-{int(time.time())}-{secrets.token_hex(3)}"
        self.password = "smoke " + secrets.token_urlsafe(18)
        self.token = None
        self.key = None
        self.failures = 0

    def fill(self, text):
        text = text.replace(EVENT_PASSWORD, self.password).replace(f'"{EVENT_USER}"', json.dumps(self.user))
        if self.token is not None:
            text = text.replace("{{token}}", self.token)
        if self.key is not None:
            text = text.replace("{{key}}", self.key)
        return text

    def send(self, event_name, token=True):
        event = json.loads((EVENTS / f"{event_name}.json").read_text())
        method = event["requestContext"]["http"]["method"]
        url = self.base_url + event["rawPath"] + (f"?{event['rawQueryString']}" if event.get("rawQueryString") else "")
        headers = {k: self.fill(v) for k, v in (event.get("headers") or {}).items()
                   if k in ("accept", "content-type", "authorization", "idempotency-key")}
        if not token:
            headers.pop("authorization", None)
        body = event.get("body")
        data = self.fill(body).encode() if body is not None and not event.get("isBase64Encoded") else None
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        try:
            document = json.loads(payload) if payload else None
        except ValueError:
            document = None
        return status, document

    def step(self, title, event_name, expected, check=None, token=True):
        status, document = self.send(event_name, token=token)
        problem = None
        if status not in expected:
            problem = f"status {status}, expected {' or '.join(map(str, expected))}: {json.dumps(document)[:300]}"
        elif check is not None:
            problem = check(document)
        print(f"  {'ok  ' if problem is None else 'FAIL'} {title} ({event_name}.json): {status}"
              + (f" - {problem}" if problem else ""))
        if problem:
            self.failures += 1
        return document if problem is None else None

    def run(self):
        print(f"smoke test of {self.base_url} as {self.user}")
        self.step("register", "user-register", (201,))
        self.step("wrong password refused", "user-login-wrong-password", (401,))
        login = self.step("log in", "user-login", (200,),
                          lambda d: None if isinstance(d, dict) and d.get("token") else "no token in the body")
        if not login:
            return 1
        self.token = login["token"]
        self.step("no token refused", "rule-list-no-token", (401,), token=False)
        created = self.step("create a todo", "rule-create", (201,),
                            lambda d: None if isinstance(d, dict) and d.get("key") else "no key in the body")
        if created:
            self.key = created["key"]
            self.step("list shows it", "rule-list", (200,),
                      lambda d: None if any(r.get("key") == self.key for r in (d or {}).get("data", []))
                      else "the created todo is not on page 1")
            self.step("delete it", "rule-delete", (200,),
                      lambda d: None if (d or {}).get("deleted") == 1 else f"deleted is {(d or {}).get('deleted')!r}")
        self.step("close the account", "user-delete-account", (200, 204))
        print(f"smoke test: {self.failures} failed")
        return 1 if self.failures else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--url":
        base = argv[2]
    elif len(argv) == 2 and not argv[1].startswith("-"):
        base = api_url_of(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return Smoke(base).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
