"""Checks Knative Service manifests offline: the schema, then Knative's own rules.

    .venv/bin/python containers/validate_knative.py containers/manifests/knative/*.yaml

1. Schema: each document is read into the models that cloudcoil generates from
   Knative Serving's CRD schemas, and written back out. Reading fails on a wrong type
   or a missing required field; a field the schema does not know is dropped on the way,
   so any difference between what was read and what comes back is an unknown field
   (the models ignore extra fields, so this is what makes the check strict).
2. What Knative's admission webhook checks beyond the schema and a cluster would
   refuse: no reserved environment variables (Knative sets PORT and the K_* names),
   one serving port, probes on that port, the scale bounds and targets as numbers.
Exits 1 and names the file and the problem when anything fails.
"""

import json
import sys

import yaml
from cloudcoil.models.knative_serving.serving.v1 import Service

RESERVED_ENV = {"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"}
NUMERIC_ANNOTATIONS = (
    "autoscaling.knative.dev/target",
    "autoscaling.knative.dev/target-utilization-percentage",
    "autoscaling.knative.dev/min-scale",
    "autoscaling.knative.dev/max-scale",
)


def unknown_fields(sent, returned, path=""):
    """Paths present in `sent` and missing from `returned`."""
    if isinstance(sent, dict):
        returned = returned if isinstance(returned, dict) else {}
        for key, value in sent.items():
            if key not in returned:
                yield f"{path}.{key}"
            else:
                yield from unknown_fields(value, returned[key], f"{path}.{key}")
    elif isinstance(sent, list):
        returned = returned if isinstance(returned, list) else []
        for i, value in enumerate(sent):
            yield from unknown_fields(value, returned[i] if i < len(returned) else None, f"{path}[{i}]")


def knative_rules(service):
    template = service["spec"]["template"]
    annotations = template.get("metadata", {}).get("annotations", {})
    for name in NUMERIC_ANNOTATIONS:
        if name in annotations and not annotations[name].isdigit():
            yield f"{name} is {annotations[name]!r}, not a whole number"
    low = int(annotations.get("autoscaling.knative.dev/min-scale", "0"))
    high = int(annotations.get("autoscaling.knative.dev/max-scale", "0"))
    if high and low > high:
        yield f"min-scale {low} is above max-scale {high}"
    spec = template["spec"]
    for container in spec["containers"]:
        ports = container.get("ports", [])
        if len(ports) > 1:
            yield f"container {container['name']}: Knative serves one port"
        port = ports[0]["containerPort"] if ports else 8080
        for env in container.get("env", []):
            if env["name"] in RESERVED_ENV:
                yield f"container {container['name']}: {env['name']} is reserved (Knative sets it)"
        for probe in ("readinessProbe", "livenessProbe"):
            for action in ("tcpSocket", "httpGet"):
                probed = container.get(probe, {}).get(action, {}).get("port")
                if probed not in (None, port):
                    yield f"container {container['name']}: {probe} port {probed} is not the serving port {port}"
    concurrency = spec.get("containerConcurrency", 0)
    if not 0 <= concurrency <= 1000:
        yield f"containerConcurrency {concurrency} is outside 0..1000"


def check(path):
    problems = []
    with open(path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d is not None]
    if not documents:
        problems.append("no document")
    for document in documents:
        if (document.get("apiVersion"), document.get("kind")) != ("serving.knative.dev/v1", "Service"):
            problems.append(f"not a serving.knative.dev/v1 Service: {document.get('kind')}")
            continue
        try:
            model = Service.model_validate(document)
        except Exception as error:  # pydantic's ValidationError names every field
            problems.append(f"schema: {error}")
            continue
        returned = json.loads(model.model_dump_json(by_alias=True, exclude_unset=True))
        problems.extend(f"unknown field {p[1:]}" for p in unknown_fields(document, returned))
        problems.extend(knative_rules(document))
    return problems


def main(paths):
    if not paths:
        print("usage: validate_knative.py FILE...", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        problems = check(path)
        for problem in problems:
            print(f"{path}: {problem}")
        if problems:
            failed += 1
        else:
            print(f"{path}: valid Knative Service")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
