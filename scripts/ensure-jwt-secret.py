#!/usr/bin/env python3
"""Creates the JWT signing keys in AWS Secrets Manager, once, for `make deploy`.

The secret (default name `todo-service/jwt-keys`, the template's JwtKeySecretName)
holds {"privateKey": PKCS#8 PEM, "publicKey": SPKI PEM} of a fresh Ed25519 key pair
made by `openssl genpkey`. An existing secret is left alone: rotating it logs
everybody out, so do that on purpose (see README). Keys never touch the repository.
"""
import json
import os
import subprocess
import sys
import tempfile

import boto3
from botocore.exceptions import ClientError

NAME = os.environ.get("JWT_KEY_SECRET_NAME", "todo-service/jwt-keys")


def generate_keys():
    with tempfile.TemporaryDirectory() as folder:
        private_path = os.path.join(folder, "private.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", private_path], check=True)
        public = subprocess.run(
            ["openssl", "pkey", "-in", private_path, "-pubout"], check=True, capture_output=True, text=True
        ).stdout
        with open(private_path, encoding="ascii") as handle:
            private = handle.read()
    return {"privateKey": private, "publicKey": public}


def main():
    client = boto3.client("secretsmanager")
    try:
        client.describe_secret(SecretId=NAME)
        print(f"JWT key secret {NAME} exists; keeping it.")
        return 0
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            print(f"Cannot read secret {NAME}: {error}", file=sys.stderr)
            return 1
    client.create_secret(
        Name=NAME,
        Description="Ed25519 keys of the todo service's session tokens",
        SecretString=json.dumps(generate_keys()),
    )
    print(f"Created JWT key secret {NAME}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
