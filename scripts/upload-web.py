#!/usr/bin/env python3
"""Uploads the frontend (web/) to the stack's bucket, for `make deploy`.

    python3 scripts/upload-web.py [STACK_NAME]   upload, prune, invalidate
    python3 scripts/upload-web.py --list         what would be uploaded; no AWS call

The stack name comes from the argument, else $STACK_NAME, else `stack_name` in
samconfig.toml, else `todo-service`; the region from the AWS environment, else
`region` in samconfig.toml. The stack outputs WebBucketName and
WebDistributionId (template.yml) say where the files go.

Every file under web/ is uploaded except what web/.deployignore leaves out (the
tests, the README, any node_modules folder, hidden files and folders; the local
platform reads the same list, local/src/server/deploy_ignore.rs), with the same
Content-Type as the local platform
(local/src/server/static_files.rs) and Cache-Control `no-cache` for HTML (so a deploy is
seen at once) and `public, max-age=300` for everything else. Objects of the
bucket that are no longer in web/ are deleted, then the CloudFront cache is
invalidated (`/*`). Exits non-zero on the first failure.
"""
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DEFAULT_STACK = "todo-service"

# What is not part of the site, one list for this script and the local platform.
DEPLOYIGNORE = ".deployignore"

# Same table as content_type() in local/src/server/static_files.rs.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".map": "application/json",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def content_type(key):
    return CONTENT_TYPES.get(os.path.splitext(key)[1].lower(), DEFAULT_CONTENT_TYPE)


def cache_control(key):
    return "no-cache" if content_type(key).startswith("text/html") else "public, max-age=300"


def ascii_lower(text):
    """`text` with ASCII letters lower-cased only (as Rust's eq_ignore_ascii_case)."""
    return "".join(c.lower() if c.isascii() else c for c in text)


def deploy_ignore(web_root):
    """The patterns of web_root/.deployignore as (top_level, anywhere, hidden).

    One pattern a line (`#` starts a comment), compared without regard to case:
    `/name` is that file or folder at the top of web_root only, `name` one of that
    name at any depth, `.*` any name that starts with a dot. No file: nothing left out.
    """
    path = Path(web_root) / DEPLOYIGNORE
    top_level, anywhere, hidden = set(), set(), False
    if not path.is_file():
        return top_level, anywhere, hidden
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        if pattern == ".*":
            hidden = True
            continue
        at_top = pattern.startswith("/")
        name = pattern[1:] if at_top else pattern
        if not name or any(c in name for c in "/*\\") or name in (".", ".."):
            raise ValueError(f"{path}:{number}: {pattern!r} is not /name, name or .*")
        (top_level if at_top else anywhere).add(ascii_lower(name))
    return top_level, anywhere, hidden


def left_out(rules, name, at_top):
    """Whether the .deployignore `rules` leave out a file or folder called `name`."""
    top_level, anywhere, hidden = rules
    lower = ascii_lower(name)
    return (hidden and name.startswith(".")) or lower in anywhere or (at_top and lower in top_level)


def site_files(web_root):
    """The site's files: a sorted list of (key, path, content type, cache control).

    Pure apart from listing web_root: no AWS, no network. The key is the path
    relative to web_root with "/" separators (the S3 object key).
    """
    rules = deploy_ignore(web_root)
    files = []
    for directory, subdirs, names in os.walk(web_root):
        relative_dir = Path(directory).relative_to(web_root)
        at_top = relative_dir == Path(".")
        subdirs[:] = sorted(d for d in subdirs if not left_out(rules, d, at_top))
        for name in sorted(names):
            if left_out(rules, name, at_top):
                continue
            path = Path(directory) / name
            if not path.is_file():
                continue
            key = (relative_dir / name).as_posix()
            files.append((key, path, content_type(key), cache_control(key)))
    return sorted(files)


def samconfig_value(name):
    """`name` from samconfig.toml (written by `sam deploy --guided`), or None.

    Looks in [default.deploy.parameters], then [default.global.parameters].
    """
    samconfig = ROOT / "samconfig.toml"
    if not samconfig.is_file():
        return None
    try:
        import tomllib

        config = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    except ImportError:  # Python < 3.11: the plain `key = "value"` lines SAM writes
        match = re.search(rf'^\s*{name}\s*=\s*"([^"]+)"', samconfig.read_text(encoding="utf-8"), re.M)
        return match.group(1) if match else None
    except ValueError as error:
        print(f"upload-web: ignoring unreadable {samconfig}: {error}", file=sys.stderr)
        return None
    default = config.get("default", {})
    for command in ("deploy", "global"):
        value = default.get(command, {}).get("parameters", {}).get(name)
        if isinstance(value, str) and value:
            return value
    return None


def fail(message):
    print(f"upload-web: {message}", file=sys.stderr)
    return 1


def list_only(files):
    for key, _path, ctype, cache in files:
        print(f"{key}\t{ctype}\t{cache}")
    print(f"{len(files)} files", file=sys.stderr)
    return 0


def stack_outputs(cloudformation, stack):
    stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def upload(stack, files):
    import time

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        region = samconfig_value("region")
        if region:
            os.environ["AWS_DEFAULT_REGION"] = region
    try:
        outputs = stack_outputs(boto3.client("cloudformation"), stack)
    except (BotoCoreError, ClientError) as error:
        return fail(f"cannot read the outputs of stack {stack}: {error}")
    missing = [name for name in ("WebBucketName", "WebDistributionId") if not outputs.get(name)]
    if missing:
        return fail(f"stack {stack} has no output {', '.join(missing)}; deploy template.yml first")
    bucket, distribution = outputs["WebBucketName"], outputs["WebDistributionId"]

    s3 = boto3.client("s3")
    try:
        for key, path, ctype, cache in files:
            with open(path, "rb") as body:
                s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=ctype, CacheControl=cache)
            print(f"uploaded s3://{bucket}/{key} ({ctype})")

        wanted = {key for key, *_ in files}
        stale = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            stale.extend(o["Key"] for o in page.get("Contents", []) if o["Key"] not in wanted)
        for start in range(0, len(stale), 1000):
            batch = stale[start : start + 1000]
            answer = s3.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                return fail(f"cannot delete s3://{bucket}/{first['Key']}: {first['Code']} {first['Message']}")
            for key in batch:
                print(f"deleted s3://{bucket}/{key}")
    except (BotoCoreError, ClientError, OSError) as error:
        return fail(f"upload to bucket {bucket} failed: {error}")

    try:
        invalidation = boto3.client("cloudfront").create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": f"upload-web-{time.time_ns()}",
            },
        )
    except (BotoCoreError, ClientError) as error:
        return fail(f"cannot invalidate distribution {distribution}: {error}")
    print(
        f"{len(files)} files uploaded, {len(stale)} deleted; invalidation "
        f"{invalidation['Invalidation']['Id']} of {distribution} started"
    )
    if outputs.get("WebUrl"):
        print(f"site: {outputs['WebUrl']}")
    return 0


def main(argv):
    args = argv[1:]
    if any(a in ("-h", "--help") for a in args):
        print(__doc__.strip())
        return 0
    listing = "--list" in args
    args = [a for a in args if a != "--list"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        return fail(f"usage: {argv[0]} [--list] [STACK_NAME]")
    if not WEB.is_dir():
        return fail(f"no frontend at {WEB}")
    try:
        files = site_files(WEB)
    except ValueError as error:
        return fail(str(error))
    if not any(key == "index.html" for key, *_ in files):
        return fail(f"{WEB} has no index.html")
    if listing:
        return list_only(files)
    stack = args[0] if args else os.environ.get("STACK_NAME") or samconfig_value("stack_name") or DEFAULT_STACK
    return upload(stack, files)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
