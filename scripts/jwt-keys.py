#!/usr/bin/env python3
"""The JWT signing keys in AWS Secrets Manager: create them, rotate them, deploy them.

    jwt-keys.py ensure        create the secret with one key when missing (make deploy runs it)
    jwt-keys.py parameters    the template parameters for the secret's keys (make deploy passes them)
    jwt-keys.py show          the keys: kid, public key, which one signs
    jwt-keys.py add           rotation step 1: a new key, trusted but not signing yet
    jwt-keys.py promote [KID] rotation step 2: the new key (or KID) signs from the next deploy
    jwt-keys.py retire [KID]  rotation step 3: drop the old keys (or KID) once their tokens expired

The secret (default `todo-service/jwt-keys`, the template's JwtKeySecretName; override
with JWT_KEY_SECRET_NAME) holds
{"signingKeyId": kid, "signingSince": epoch, "keys": [{"kid", "privateKey", "publicKey", "created"}]}.
Keys are Ed25519 pairs made by `openssl genpkey`; a kid is the RFC 7638 thumbprint of
the public key. Only the user function may read the secret. What the functions use is
what was deployed: JwtPublicKeys (every key of the secret) and JwtSigningKeyId
(signingKeyId), so each step takes effect with `make deploy` (docs/security.md: "Rotating the
signing key"). The first format of the secret, {"privateKey", "publicKey"}, is read as
one key and rewritten in this format by `add`. Keys never touch the repository or the
terminal. Honours AWS_ENDPOINT_URL (an emulator, in tests).
"""
import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

import boto3
from botocore.exceptions import ClientError

NAME = os.environ.get("JWT_KEY_SECRET_NAME", "todo-service/jwt-keys")
# The template's largest JwtTtlSeconds: a token signed just before a promote lives this long.
DEFAULT_TOKEN_TTL = 86400


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_x(public_pem):
    """The JWK x value of an Ed25519 SPKI PEM: the last 32 bytes of its DER."""
    body = "".join(line for line in public_pem.strip().splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 44:
        raise ValueError("not an Ed25519 public key")
    return b64url(der[-32:])


def kid_of(x):
    """RFC 7638 thumbprint of an Ed25519 JWK (members in lexicographic order, no spaces)."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def generate_key():
    with tempfile.TemporaryDirectory() as folder:
        private_path = os.path.join(folder, "private.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", private_path], check=True)
        public = subprocess.run(
            ["openssl", "pkey", "-in", private_path, "-pubout"], check=True, capture_output=True, text=True
        ).stdout
        with open(private_path, encoding="ascii") as handle:
            private = handle.read()
    return {"kid": kid_of(public_x(public)), "privateKey": private, "publicKey": public, "created": int(time.time())}


def client():
    return boto3.client("secretsmanager")


def read(secrets):
    """The secret as a key set, or None when it does not exist."""
    try:
        text = secrets.get_secret_value(SecretId=NAME)["SecretString"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    document = json.loads(text)
    if "keys" not in document:  # the first format: one key at the top level
        key = {"privateKey": document["privateKey"], "publicKey": document["publicKey"]}
        key["kid"] = kid_of(public_x(key["publicKey"]))
        document = {"signingKeyId": key["kid"], "keys": [key]}
    for key in document["keys"]:
        if kid_of(public_x(key["publicKey"])) != key["kid"]:
            raise SystemExit(f"secret {NAME}: the entry labelled {key['kid']} holds another key")
    return document


def write(secrets, document):
    secrets.put_secret_value(SecretId=NAME, SecretString=json.dumps(document))


def need(secrets):
    document = read(secrets)
    if document is None:
        raise SystemExit(f"secret {NAME} does not exist: run `jwt-keys.py ensure` (make deploy does)")
    return document


def ensure(secrets, _args):
    if read(secrets) is not None:
        print(f"JWT key secret {NAME} exists; keeping it.", file=sys.stderr)
        return
    key = generate_key()
    document = {"signingKeyId": key["kid"], "signingSince": key["created"], "keys": [key]}
    secrets.create_secret(
        Name=NAME,
        Description="Ed25519 signing keys of the todo service's session tokens",
        SecretString=json.dumps(document),
    )
    print(f"Created JWT key secret {NAME} with key {key['kid']}.", file=sys.stderr)


def parameters(secrets, _args):
    document = need(secrets)
    xs = ",".join(public_x(key["publicKey"]) for key in document["keys"])
    print(f"JwtKeySecretName={NAME} JwtPublicKeys={xs} JwtSigningKeyId={document['signingKeyId']}")


def show(secrets, _args):
    document = need(secrets)
    for key in document["keys"]:
        mark = "signing" if key["kid"] == document["signingKeyId"] else "trusted"
        print(f"{key['kid']}  {mark:<7}  x={public_x(key['publicKey'])}")


def add(secrets, _args):
    document = need(secrets)
    key = generate_key()
    document["keys"].append(key)
    write(secrets, document)
    print(f"Added key {key['kid']} (trusted, not signing). Next: make deploy, then `promote`.", file=sys.stderr)


def promote(secrets, args):
    document = need(secrets)
    # The newest key that does not sign yet; keys are appended, so the list order breaks
    # ties between keys created within the same second.
    others = [(k.get("created", 0), i, k["kid"]) for i, k in enumerate(document["keys"])
              if k["kid"] != document.get("signingKeyId")]
    if not args.kid and not others:
        raise SystemExit(f"{NAME} has no key besides the signing one: `add` one first")
    kid = args.kid or max(others)[2]
    if kid not in {k["kid"] for k in document["keys"]}:
        raise SystemExit(f"no key {kid} in {NAME}")
    document["signingKeyId"] = kid
    document["signingSince"] = int(time.time())
    write(secrets, document)
    print(f"Key {kid} signs from the next deploy. Next: make deploy; retire the old key after the token lifetime.",
          file=sys.stderr)


def retire(secrets, args):
    document = need(secrets)
    signing = document["signingKeyId"]
    if args.kid == signing:
        raise SystemExit(f"{signing} is the signing key: promote another key first")
    waited = time.time() - document.get("signingSince", 0)
    if waited < args.token_ttl and not args.force:
        raise SystemExit(
            f"{signing} has been signing for {waited:.0f} s, less than the token lifetime ({args.token_ttl} s): "
            "tokens of the old keys may still be valid. Wait (or --force)."
        )
    retired = [k["kid"] for k in document["keys"] if k["kid"] != signing and (args.kid is None or k["kid"] == args.kid)]
    if not retired:
        raise SystemExit("no key to retire")
    document["keys"] = [k for k in document["keys"] if k["kid"] not in retired]
    write(secrets, document)
    print(f"Retired {', '.join(retired)}. Next: make deploy (the functions stop trusting them).", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("ensure", "parameters", "show", "add"):
        commands.add_parser(name)
    commands.add_parser("promote").add_argument("kid", nargs="?")
    retire_parser = commands.add_parser("retire")
    retire_parser.add_argument("kid", nargs="?")
    retire_parser.add_argument("--token-ttl", type=int, default=DEFAULT_TOKEN_TTL,
                               help="the deployed JwtTtlSeconds (default: the largest allowed)")
    retire_parser.add_argument("--force", action="store_true", help="retire even if tokens may still be valid")
    args = parser.parse_args()
    action = {"ensure": ensure, "parameters": parameters, "show": show, "add": add,
              "promote": promote, "retire": retire}[args.command]
    try:
        action(client(), args)
    except ClientError as error:
        raise SystemExit(f"secret {NAME}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
