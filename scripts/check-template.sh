#!/usr/bin/env bash
# Checks template.yml and events/*.json without AWS credentials or network access
# (beyond PyPI on the first run, to fill .venv).
#
#   1. cfn-lint template.yml                               (errors and warnings fail)
#   2. sam validate --lint                                  (SAM CLI's cfn-lint run)
#   3. sam validate --language-extensions                   (the real SAM transform, offline,
#                                                            on-demand Lambda: CapacityProviderArn empty)
#   4. the same transform with CapacityProviderArn set      (Lambda Managed Instances: checks
#                                                            that PerExecutionEnvironmentMaxConcurrency
#                                                            comes from the Lifecycle mapping)
#   4b. the same transform with PackageType Image           (container image functions: the
#                                                            images of `make image`)
#   5. no key material in any function's environment; only the user function may read
#      the signing-key secret, with GetSecretValue on that one secret
#   6. every events/*.json parses and has "version": "2.0"
#   7. the alarms gate the canary and watch what is published (scripts/test_alarms.py):
#      every function's DeploymentPreference names its alarms and the shared ones,
#      every alarm's and dashboard metric's name and dimensions are AWS's or
#      shared/src/metrics/names.rs's
#   8. cfn-lint deploy/github-oidc.yml                     (the release pipeline's roles)
#
# Run from the repository root: bash scripts/check-template.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
REQUIREMENTS=scripts/python-requirements.txt
STAMP="$VENV/.requirements-stamp"

# No credentials, no telemetry, no metadata-service probing: everything stays offline.
export SAM_CLI_TELEMETRY=0
export AWS_ACCESS_KEY_ID=offline-check
export AWS_SECRET_ACCESS_KEY=offline-check
export AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

# shellcheck source=scripts/python-tools.sh
source scripts/python-tools.sh
python_tools "$REQUIREMENTS" "$STAMP"

passed=0
failed=0
failures=()

run_check() {
    local name="$1"
    shift
    echo "+ $*"
    if "$@"; then
        echo "ok: $name"
        passed=$((passed + 1))
    else
        echo "FAILED: $name"
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

check_events() {
    local ok=0 bad=0 f
    shopt -s nullglob
    local files=(events/*.json)
    shopt -u nullglob
    if ((${#files[@]} == 0)); then
        echo "no events/*.json found"
        return 1
    fi
    for f in "${files[@]}"; do
        if ! "$VENV/bin/python" -m json.tool "$f" >/dev/null; then
            echo "  $f: not valid JSON"
            bad=$((bad + 1))
        elif ! "$VENV/bin/python" -c '
import json, sys
event = json.load(open(sys.argv[1]))
sys.exit(0 if isinstance(event, dict) and event.get("version") == "2.0" else 1)
' "$f"; then
            echo "  $f: \"version\" is not \"2.0\""
            bad=$((bad + 1))
        else
            ok=$((ok + 1))
        fi
    done
    echo "  events: $ok valid, $bad invalid"
    ((bad == 0))
}

run_check "cfn-lint" "$VENV/bin/cfn-lint" template.yml
run_check "sam validate --lint" \
    "$VENV/bin/sam" validate --lint --template template.yml --region us-east-1
run_check "sam validate (SAM transform)" \
    "$VENV/bin/sam" validate --language-extensions --template template.yml --region us-east-1
# `sam validate` has no --parameter-overrides, so the Managed Instances branch is
# translated through the validator class that `sam validate` itself uses.
check_managed_instances() {
    "$VENV/bin/python" - <<'PY'
import sys

from samcli.lib.translate.sam_template_validator import SamTemplateValidator
from samcli.yamlhelper import yaml_parse


class NoManagedPolicyLookup:
    def load(self):
        raise RuntimeError("the template must not need IAM managed-policy look-ups")


arn = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:todo-check"
with open("template.yml") as f:
    template = yaml_parse(f.read())
mapping = template["Mappings"]["Lifecycle"]
validator = SamTemplateValidator(
    template,
    NoManagedPolicyLookup(),
    region="us-east-1",
    parameter_overrides={"CapacityProviderArn": arn},
    language_extensions_enabled=True,
)
resources = yaml_parse(validator.get_translated_template_if_valid())["Resources"]
errors = []
for function in ("UserFunction", "RuleFunction"):
    config = resources[function]["Properties"].get("CapacityProviderConfig") or {}
    lmi = config.get("LambdaManagedInstancesCapacityProviderConfig") or {}
    expected = mapping[function]["PerInstanceConcurrency"]
    if lmi.get("CapacityProviderArn") != arn:
        errors.append(f"{function}: CapacityProviderArn is {lmi.get('CapacityProviderArn')!r}")
    if lmi.get("PerExecutionEnvironmentMaxConcurrency") != expected:
        errors.append(
            f"{function}: PerExecutionEnvironmentMaxConcurrency is "
            f"{lmi.get('PerExecutionEnvironmentMaxConcurrency')!r}, Lifecycle mapping says {expected!r}"
        )
    else:
        print(f"  {function}: capacity provider set, {expected} requests per instance")
for error in errors:
    print("  " + error)
sys.exit(1 if errors else 0)
PY
}

run_check "SAM transform with a capacity provider" check_managed_instances

# The functions' configuration is readable with lambda:GetFunctionConfiguration: it may
# name the secret and carry public keys, never a key or a dynamic reference to one.
check_signing_key_access() {
    "$VENV/bin/python" - <<'PY'
import json, sys

from samcli.yamlhelper import yaml_parse

with open("template.yml") as f:
    template = yaml_parse(f.read())
errors = []
functions = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
environments = {"Globals": template["Globals"]["Function"].get("Environment", {})}
environments.update({k: v["Properties"].get("Environment", {}) for k, v in functions.items()})
for owner, environment in environments.items():
    for name, value in (environment.get("Variables") or {}).items():
        text = json.dumps(value)
        if "resolve:secretsmanager" in text or "resolve:ssm" in text or "PRIVATE KEY" in text or "PRIVATE_KEY" in name:
            errors.append(f"{owner}: {name} carries key material or a dynamic reference to it")
expected_arn = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${JwtKeySecretName}-??????"
for name, function in functions.items():
    statements = [s for p in function["Properties"].get("Policies", []) if isinstance(p, dict)
                  for s in p.get("Statement", [])]
    secret_statements = [s for s in statements if any("secretsmanager" in a for a in s["Action"])]
    if name != "UserFunction":
        if secret_statements:
            errors.append(f"{name} may use Secrets Manager")
        continue
    if len(secret_statements) != 1:
        errors.append(f"{name}: expected one Secrets Manager statement, found {len(secret_statements)}")
        continue
    statement = secret_statements[0]
    resource = statement["Resource"]
    resource = resource.get("Fn::Sub", resource) if isinstance(resource, dict) else resource
    if statement["Action"] != ["secretsmanager:GetSecretValue"] or resource != expected_arn:
        errors.append(f"{name}: {statement['Action']} on {resource}, expected GetSecretValue on {expected_arn}")
    else:
        print(f"  {name}: secretsmanager:GetSecretValue on the JwtKeySecretName secret only")
for error in errors:
    print("  " + error)
sys.exit(1 if errors else 0)
PY
}

# PackageType Image: both functions become container image functions (the images of
# `make image`), with no runtime, handler or code bundle left over.
check_container_images() {
    "$VENV/bin/python" - <<'PY'
import sys

from samcli.lib.translate.sam_template_validator import SamTemplateValidator
from samcli.yamlhelper import yaml_parse


class NoManagedPolicyLookup:
    def load(self):
        raise RuntimeError("the template must not need IAM managed-policy look-ups")


images = {
    "UserFunction": "123456789012.dkr.ecr.us-east-1.amazonaws.com/todo-service-user:check",
    "RuleFunction": "123456789012.dkr.ecr.us-east-1.amazonaws.com/todo-service-rule:check",
}
with open("template.yml") as f:
    template = yaml_parse(f.read())
validator = SamTemplateValidator(
    template,
    NoManagedPolicyLookup(),
    region="us-east-1",
    parameter_overrides={
        "PackageType": "Image",
        "UserImageUri": images["UserFunction"],
        "RuleImageUri": images["RuleFunction"],
    },
    language_extensions_enabled=True,
)
resources = yaml_parse(validator.get_translated_template_if_valid())["Resources"]
errors = []
for function, uri in images.items():
    props = resources[function]["Properties"]
    if props.get("PackageType") != "Image":
        errors.append(f"{function}: PackageType is {props.get('PackageType')!r}")
    if props.get("Code") != {"ImageUri": uri}:
        errors.append(f"{function}: Code is {props.get('Code')!r}")
    for leftover in ("Runtime", "Handler"):
        if leftover in props:
            errors.append(f"{function}: {leftover} is set for an image")
    if not errors:
        print(f"  {function}: container image {uri}")
for error in errors:
    print("  " + error)
sys.exit(1 if errors else 0)
PY
}

run_check "no key material in the functions' configuration" check_signing_key_access
run_check "SAM transform with container images" check_container_images
run_check "events are payload 2.0 JSON" check_events
run_check "alarms gate the canary, metrics are published (test_alarms.py)" \
    "$VENV/bin/python" scripts/test_alarms.py
run_check "cfn-lint deploy/github-oidc.yml" "$VENV/bin/cfn-lint" deploy/github-oidc.yml

if ((failed > 0)); then
    echo "failed checks: ${failures[*]}"
fi
echo "template checks: $passed passed, $failed failed"
((failed == 0))
