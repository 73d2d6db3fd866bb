"""Schemathesis hooks: real accounts and tokens for the fuzzed requests.

The local platform starts empty: the account of the contract's examples is registered
when the contract is loaded, and the first protected request registers an account
and logs in; its token (`Authorization: Bearer`) then serves every operation that does
not end sessions. Logging out and deleting the account end sessions (the token would be
refused from then on), so each of those requests gets a fresh account of its own, and
every other account deletion is sent with the right password, so that its
success is fuzzed too. Idempotency keys are made unique per request (`before_call` below).

The driver (scripts/fuzz-api.py) sets TODO_BASE_URL.
"""

import hashlib
import os
import re
import secrets

import requests
import schemathesis

BASE_URL = os.environ["TODO_BASE_URL"].rstrip("/")
PASSWORD = "fuzzing the contract"
# Operations after which the request's token is refused.
SESSION_ENDING = ["logout", "logoutAlias", "deleteAccount"]


def _account(prefix: str) -> tuple[str, str]:
    """Registers a new account and logs in: (user name, token)."""
    name = f"{prefix}{secrets.token_hex(8)}"
    credentials = {"userName": name, "password": PASSWORD}
    registered = requests.post(f"{BASE_URL}/api/register", json=credentials, timeout=30)
    if registered.status_code != 201:
        raise RuntimeError(f"register answered {registered.status_code}: {registered.text}")
    login = requests.post(f"{BASE_URL}/api/login/account", json=credentials, timeout=30)
    if login.status_code != 200:
        raise RuntimeError(f"login answered {login.status_code}: {login.text}")
    return name, login.json()["token"]


@schemathesis.hook
def after_load_schema(context, schema):
    """Registers the account the contract's examples use, so that they work as written
    (the login example logs in; the registration example is then a 409)."""
    example = {"userName": "alice", "password": "correct horse battery"}
    answer = requests.post(f"{BASE_URL}/api/register", json=example, timeout=30)
    if answer.status_code not in (201, 409):
        raise RuntimeError(f"register answered {answer.status_code}: {answer.text}")


def _bearer(case, token: str) -> None:
    if case.headers is None:
        case.headers = {}
    case.headers["Authorization"] = f"Bearer {token}"


# Never refreshed, and not dropped on a 401 (the fuzzer sends requests without it on
# purpose): nothing this provider serves can end its session.
@schemathesis.auth(refresh_interval=100_000, retry_on=[]).skip_for(operation_id=SESSION_ENDING)
class Owner:
    """One account for every operation that leaves its session open."""

    def get(self, case, context):
        return _account("owner")[1]

    def set(self, case, data, context):
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(operation_id=SESSION_ENDING)
class Throwaway:
    """A new account for each request that ends its session."""

    def __init__(self):
        self.deletions = 0

    def get(self, case, context):
        return _account("gone")

    def set(self, case, data, context):
        _name, token = data
        _bearer(case, token)
        if context.operation.definition.raw.get("operationId") == "deleteAccount" and isinstance(case.body, dict):
            self.deletions += 1
            if self.deletions % 2 == 0:
                case.body["password"] = PASSWORD


# What the contract accepts as a key (api/openapi.yaml, the Idempotency-Key parameter).
IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    """One `Idempotency-Key` per distinct request.

    Generated keys repeat (the contract's example above all), and a key reused for a
    different write is rightly a 422: most writes would never get past it. A valid key
    is replaced by a digest of the request, so a request sent again is replayed and
    another request is a new write; invalid keys are left to be refused. Reusing a key
    for a different write is covered by the rule function's API tests.
    """
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str):
            if IDEMPOTENCY_KEY.match(value.strip().strip('"')):
                request = (case.method, case.path, case.path_parameters, case.query, case.media_type, case.body)
                headers[name] = hashlib.sha256(repr(request).encode()).hexdigest()
