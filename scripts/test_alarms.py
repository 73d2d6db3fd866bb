#!/usr/bin/env python3
"""Checks template.yml's alarms, canary gates and dashboard against what is published.

Run by scripts/check-template.sh (so by `make check`); offline, stdlib and PyYAML only.

1. Every AWS::Serverless::Function's DeploymentPreference (Globals merged with the
   function's own) names exactly its alarms: every alarm whose metrics carry that
   function (Ref/Sub of its logical id) plus every shared alarm (no function at all),
   and no alarm of another function. Every alarm is so named by some function.
2. Every alarm's metrics (single metric or the MetricStat of each metric-math entry)
   name a metric and a dimension set that AWS publishes for that namespace (the table
   below, from the AWS/Lambda, AWS/ApiGateway HTTP API and AWS/DynamoDB metric
   references) or, for the functions' own namespace, a name of
   shared/src/metrics/names.rs with its dimensions. The dimension values point where
   they should: FunctionName at a function, Resource at its AutoPublishAlias,
   ExecutedVersion at its published version, ApiId at an HttpApi on its $default
   stage, TableName at a table, Operation at an operation the functions use.
   Metric-math expressions only use ids the alarm defines, and one entry returns data.
   A PreTraffic hook, where there is one, is a CodeDeployHook_* function aimed at
   the function's new version.
3. Every metric of the dashboard is checked the same way; its custom metrics (metric
   arrays and SEARCH expressions of the TodoService namespace) are names of
   names.rs; its alarm widget shows every alarm of the template and no other.
"""

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yml"
NAMES_RS = ROOT / "shared/src/metrics/names.rs"

# What AWS publishes: namespace -> metric -> the dimension sets it is published with.
LAMBDA_SETS = [
    frozenset(),
    frozenset({"FunctionName"}),
    frozenset({"FunctionName", "Resource"}),
    # "By Executed Version": an alias's invocations by the version that ran them.
    frozenset({"FunctionName", "Resource", "ExecutedVersion"}),
]
HTTP_API_SETS = [
    frozenset({"ApiId"}),
    frozenset({"ApiId", "Stage"}),
    # detailed (route-level) metrics
    frozenset({"ApiId", "Stage", "Route"}),
]
TABLE_SETS = [frozenset({"TableName"}), frozenset({"TableName", "GlobalSecondaryIndexName"})]
OPERATION_SETS = [frozenset({"TableName", "Operation"})]
AWS_METRICS = {
    "AWS/Lambda": {
        **{m: LAMBDA_SETS for m in ("Invocations", "Errors", "Duration", "ConcurrentExecutions")},
        # A throttled invocation runs no version: alias and function only.
        "Throttles": LAMBDA_SETS[:3],
        "UnreservedConcurrentExecutions": [frozenset()],
    },
    "AWS/ApiGateway": {
        m: HTTP_API_SETS
        for m in ("4xx", "5xx", "Count", "IntegrationLatency", "Latency", "DataProcessed")
    },
    "AWS/DynamoDB": {
        **{
            m: TABLE_SETS
            for m in (
                "ConsumedReadCapacityUnits",
                "ConsumedWriteCapacityUnits",
                "ReadThrottleEvents",
                "WriteThrottleEvents",
            )
        },
        **{
            m: OPERATION_SETS
            for m in ("ThrottledRequests", "SystemErrors", "SuccessfulRequestLatency", "ReturnedItemCount")
        },
        "UserErrors": [frozenset()],
        "TransactionConflict": [frozenset({"TableName"})],
        "ConditionalCheckFailedRequests": [frozenset({"TableName"})],
    },
}
# The DynamoDB operations the functions call (shared/src/store: the SDK calls).
TABLE_OPERATIONS = {
    "GetItem",
    "BatchGetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "TransactWriteItems",
}


class CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation's short tags into their long form."""


def _construct_tag(loader, tag_suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + tag_suffix: value}


CfnLoader.add_multi_constructor("!", _construct_tag)


def load_names():
    text = NAMES_RS.read_text()
    consts = dict(re.findall(r'pub const ([A-Z_]+): &str = "([^"]+)";', text))
    namespace = consts.pop("NAMESPACE")
    function_dim = consts.pop("FUNCTION_DIMENSION")
    error_dim = consts.pop("ERROR_TYPE_DIMENSION")
    names = set(consts.values())
    sets = {name: [frozenset({function_dim})] for name in names}
    sets[consts["INIT_ERRORS"]] = [frozenset({function_dim, error_dim})]
    return namespace, function_dim, names, sets


class Checker:
    def __init__(self, template):
        self.template = template
        self.resources = template["Resources"]
        self.errors = []
        self.namespace, self.function_dim, self.names, custom_sets = load_names()
        self.published = dict(AWS_METRICS)
        self.published[self.namespace] = custom_sets
        self.functions = {
            k: v for k, v in self.resources.items() if v["Type"] == "AWS::Serverless::Function"
        }
        self.alarms = {k: v for k, v in self.resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
        self.globals_fn = (template.get("Globals") or {}).get("Function") or {}
        self.checked = 0

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    # -- references -----------------------------------------------------------
    def names_a(self, value, resource_type):
        """Whether a dimension value (!Ref, !Sub "${Id}" or "${Id}") names a resource of resource_type."""
        ids = self.refs(value) if isinstance(value, dict) else {value[2:-1]} if isinstance(value, str) and value.startswith("${") else set()
        return any(self.resources.get(i, {}).get("Type") == resource_type for i in ids)

    def refs(self, value):
        """Logical ids a value refers to (Ref, GetAtt, ${Id} or ${Id.Attr} in Sub)."""
        found = set()
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "Ref" and isinstance(inner, str):
                    found.add(inner)
                elif key == "Fn::GetAtt":
                    found.add(inner[0] if isinstance(inner, list) else inner.split(".")[0])
                elif key == "Fn::Sub":
                    text = inner[0] if isinstance(inner, list) else inner
                    found |= {m.split(".")[0] for m in re.findall(r"\$\{([A-Za-z0-9:.]+)\}", text)}
                    if isinstance(inner, list):
                        found |= self.refs(inner[1])
                else:
                    found |= self.refs(inner)
        elif isinstance(value, list):
            for inner in value:
                found |= self.refs(inner)
        return found

    def function_of(self, value):
        return {r for r in self.refs(value) if r in self.functions}

    # -- one metric --------------------------------------------------------------
    def check_metric(self, where, namespace, name, dims):
        """dims: {dimension name: value as written in the template}."""
        self.checked += 1
        known = self.published.get(namespace)
        if known is None:
            self.error(where, f"namespace {namespace!r} is neither AWS's (in this test) nor {self.namespace!r}")
            return
        if name not in known:
            source = "shared/src/metrics/names.rs" if namespace == self.namespace else f"what AWS publishes in {namespace}"
            self.error(where, f"metric {name!r} is not in {source}")
            return
        if frozenset(dims) not in known[name]:
            sets = " or ".join("{" + ", ".join(sorted(s)) + "}" for s in known[name])
            self.error(where, f"{namespace} {name} is published with {sets}, not {{{', '.join(sorted(dims))}}}")
        self.check_dimension_values(where, dims)

    def check_dimension_values(self, where, dims):
        function = dims.get("FunctionName") or dims.get(self.function_dim)
        function_ids = self.function_of(function) if function is not None else set()
        for dim, value in dims.items():
            if dim in ("FunctionName", self.function_dim):
                if not (isinstance(value, dict) and value.get("Ref") in self.functions) and not (
                    isinstance(value, str) and re.fullmatch(r"\$\{\w+\}", value) and value[2:-1] in self.functions
                ):
                    self.error(where, f"{dim} is {value!r}, not the name of a function of this template")
            elif dim == "Resource":
                fn = next(iter(function_ids), None)
                alias = (self.functions.get(fn, {}).get("Properties", {}).get("AutoPublishAlias")
                         or self.globals_fn.get("AutoPublishAlias"))
                text = value.get("Fn::Sub") if isinstance(value, dict) else value
                if text != f"${{{fn}}}:{alias}":
                    self.error(where, f"Resource is {value!r}, expected the alias ${{{fn}}}:{alias}")
            elif dim == "ExecutedVersion":
                fn = next(iter(function_ids), None)
                if value != {"Fn::GetAtt": [fn, "Version.Version"]}:
                    self.error(where, f"ExecutedVersion is {value!r}, expected !GetAtt {fn}.Version.Version")
            elif dim == "ApiId":
                if not self.names_a(value, "AWS::Serverless::HttpApi"):
                    self.error(where, f"ApiId is {value!r}, not an HttpApi of this template")
            elif dim == "Stage":
                if value != "$default":
                    self.error(where, f"Stage is {value!r}; the HttpApi serves the $default stage")
            elif dim == "TableName":
                if not self.names_a(value, "AWS::DynamoDB::Table"):
                    self.error(where, f"TableName is {value!r}, not a table of this template")
            elif dim == "Operation":
                if value not in TABLE_OPERATIONS:
                    self.error(where, f"Operation {value!r} is not one the functions call ({', '.join(sorted(TABLE_OPERATIONS))})")

    # -- alarms ------------------------------------------------------------------
    def alarm_metrics(self, name, props):
        """(where, namespace, metric, dims) of each metric the alarm reads."""
        if "MetricName" in props:
            dims = {d["Name"]: d["Value"] for d in props.get("Dimensions", [])}
            yield name, props["Namespace"], props["MetricName"], dims
            return
        metrics = props.get("Metrics") or []
        if not metrics:
            self.error(name, "no MetricName and no Metrics")
        ids = {m["Id"] for m in metrics}
        returning = [m["Id"] for m in metrics if m.get("ReturnData", True)]
        if len(returning) != 1:
            self.error(name, f"exactly one metric-math entry must return data, found {returning}")
        for entry in metrics:
            if "Expression" in entry:
                used = set(re.findall(r"\b[a-z][A-Za-z0-9_]*\b", re.sub(r'"[^"]*"', "", entry["Expression"])))
                unknown = {u for u in used if u not in ids and u.upper() != u}
                if unknown:
                    self.error(f"{name}.{entry['Id']}", f"expression uses undefined ids {sorted(unknown)}")
            else:
                metric = entry["MetricStat"]["Metric"]
                dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
                yield f"{name}.{entry['Id']}", metric["Namespace"], metric["MetricName"], dims

    def check_alarms(self):
        if not self.alarms:
            self.error("template", "no AWS::CloudWatch::Alarm")
        owners = {}
        for name, alarm in self.alarms.items():
            props = alarm["Properties"]
            for where, namespace, metric, dims in self.alarm_metrics(name, props):
                self.check_metric(where, namespace, metric, dims)
            owners[name] = self.function_of(props.get("Dimensions")) | self.function_of(props.get("Metrics"))
            if len(owners[name]) > 1:
                self.error(name, f"watches several functions {sorted(owners[name])}; one alarm per function")
        shared = {a for a, o in owners.items() if not o}
        gated = set()
        for fn, resource in self.functions.items():
            preference = dict(self.globals_fn.get("DeploymentPreference") or {})
            preference.update(resource["Properties"].get("DeploymentPreference") or {})
            named = []
            for entry in preference.get("Alarms") or []:
                if isinstance(entry, dict) and "Ref" in entry:
                    named.append(entry["Ref"])
                else:
                    self.error(fn, f"DeploymentPreference.Alarms entry {entry!r} is not a !Ref of an alarm")
            expected = {a for a, o in owners.items() if fn in o} | shared
            if not {a for a in expected if a not in shared}:
                self.error(fn, "has no alarm of its own (errors, throttles, duration)")
            missing, extra = expected - set(named), set(named) - expected
            if missing:
                self.error(fn, f"DeploymentPreference.Alarms misses {sorted(missing)}")
            if extra:
                self.error(fn, f"DeploymentPreference.Alarms names {sorted(extra)}, not this function's nor shared")
            if len(named) != len(set(named)):
                self.error(fn, "DeploymentPreference.Alarms names an alarm twice")
            gated |= set(named)
            self.check_hook(fn, preference)
            if not missing and not extra:
                print(f"  {fn}: DeploymentPreference names its {len(expected - shared)} alarms and the {len(shared)} shared ones")
        for alarm in sorted(set(self.alarms) - gated):
            self.error(alarm, "gates no canary (in no DeploymentPreference.Alarms)")

    def check_hook(self, fn, preference):
        """A PreTraffic hook, if any: a CodeDeployHook_* function that checks fn's new version."""
        hook = (preference.get("Hooks") or {}).get("PreTraffic")
        if hook is None:
            return
        name = hook.get("Ref") if isinstance(hook, dict) else None
        resource = self.resources.get(name, {})
        if resource.get("Type") != "AWS::Lambda::Function":
            self.error(fn, f"PreTraffic hook {hook!r} is not a !Ref of a function of the template")
            return
        props = resource["Properties"]
        function_name = props.get("FunctionName", {})
        text = function_name.get("Fn::Sub") if isinstance(function_name, dict) else function_name
        if not str(text).startswith("CodeDeployHook_"):
            self.error(name, "its FunctionName must start with CodeDeployHook_ (SAM's CodeDeploy role invokes only those)")
        target = (props.get("Environment") or {}).get("Variables", {}).get("TARGET_VERSION_ARN")
        if target != {"Ref": f"{fn}.Version"}:
            self.error(name, f"TARGET_VERSION_ARN is {target!r}, expected !Ref {fn}.Version")
        else:
            print(f"  {fn}: PreTraffic hook {name} checks the new version")

    # -- dashboard -----------------------------------------------------------------
    def check_dashboards(self):
        dashboards = {k: v for k, v in self.resources.items() if v["Type"] == "AWS::CloudWatch::Dashboard"}
        if not dashboards:
            self.error("template", "no AWS::CloudWatch::Dashboard")
        for name, dashboard in dashboards.items():
            body = dashboard["Properties"]["DashboardBody"]
            text = body.get("Fn::Sub") if isinstance(body, dict) else body
            if not isinstance(text, str):
                self.error(name, "DashboardBody is not a !Sub string")
                continue
            for ref in re.findall(r"\$\{([A-Za-z0-9:.]+)\}", text):
                if ref.split(".")[0] not in self.resources and not ref.startswith("AWS::") and ref not in self.template.get("Parameters", {}):
                    self.error(name, f"${{{ref}}} names nothing in the template")
            try:
                widgets = json.loads(text)["widgets"]
            except (ValueError, KeyError) as e:
                self.error(name, f"DashboardBody is not dashboard JSON: {e}")
                continue
            custom = 0
            shown_alarms = set()
            for i, widget in enumerate(widgets):
                props = widget.get("properties", {})
                where = f"{name}.widgets[{i}] {props.get('title', widget.get('type'))!r}"
                if widget.get("type") == "alarm":
                    for arn in props.get("alarms", []):
                        m = re.fullmatch(r"\$\{(\w+)\.Arn\}", arn)
                        if not m or m.group(1) not in self.alarms:
                            self.error(where, f"{arn!r} is not the Arn of an alarm of the template")
                        else:
                            shown_alarms.add(m.group(1))
                previous = None
                for row in props.get("metrics", []):
                    fields = [f for f in row if not isinstance(f, dict)]
                    options = next((f for f in row if isinstance(f, dict)), {})
                    if "expression" in options:
                        custom += self.check_expression(where, options["expression"])
                        continue
                    # "..." repeats the previous row's field at that position.
                    if previous is not None:
                        fields = [previous[j] if f == "..." and j < len(previous) else f for j, f in enumerate(fields)]
                    previous = fields
                    namespace, metric, rest = fields[0], fields[1], fields[2:]
                    if len(rest) % 2:
                        self.error(where, f"{row!r}: dimensions are not name/value pairs")
                        continue
                    dims = dict(zip(rest[::2], rest[1::2]))
                    self.check_metric(where, namespace, metric, dims)
                    custom += namespace == self.namespace
            if shown_alarms != set(self.alarms):
                self.error(name, f"the alarm widgets miss {sorted(set(self.alarms) - shown_alarms)}")
            if custom == 0:
                self.error(name, f"shows no {self.namespace} metric")
            missing = self.names - self.dashboard_names(widgets)
            if missing:
                self.error(name, f"does not show {sorted(missing)} of names.rs")
            print(f"  {name}: {len(widgets)} widgets, {custom} business metrics, all {len(self.names)} names of names.rs")

    def dashboard_names(self, widgets):
        shown = set()
        for widget in widgets:
            for row in widget.get("properties", {}).get("metrics", []):
                if row and row[0] == self.namespace:
                    shown.add(row[1])
                for f in row:
                    if isinstance(f, dict) and "expression" in f:
                        shown |= set(re.findall(r'MetricName\s*=\s*"?(\w+)"?', f["expression"]))
        return shown

    def check_expression(self, where, expression):
        """A SEARCH of a namespace: its schema and MetricName must be published. Returns custom count."""
        custom = 0
        for schema, query in re.findall(r"SEARCH\(\s*'\{([^}]*)\}([^']*)'", expression):
            namespace, *dim_names = [s.strip() for s in schema.split(",")]
            names = re.findall(r'MetricName\s*=\s*"?(\w+)"?', query)
            if not names:
                self.error(where, f"SEARCH {expression!r} names no MetricName")
            for metric in names:
                # dimension values are search terms, not template references: check names only
                self.checked += 1
                known = self.published.get(namespace, {})
                if metric not in known:
                    self.error(where, f"SEARCH names {namespace} {metric!r}, which is not published there")
                elif frozenset(dim_names) not in known[metric]:
                    self.error(where, f"SEARCH schema {{{schema}}} is not a dimension set of {namespace} {metric}")
                custom += namespace == self.namespace
        if "SEARCH(" not in expression:
            self.error(where, f"expression {expression!r} is not a SEARCH")
        return custom


def main():
    # An argument names another template (the negative cases are tried that way).
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE
    template = yaml.load(path.read_text(), Loader=CfnLoader)
    checker = Checker(template)
    checker.check_alarms()
    checker.check_dashboards()
    for error in checker.errors:
        print("  " + error)
    print(f"  {len(checker.alarms)} alarms, {checker.checked} metric references checked, {len(checker.errors)} problems")
    return 1 if checker.errors else 0


if __name__ == "__main__":
    sys.exit(main())
