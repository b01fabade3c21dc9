#!/usr/bin/env bash
# Apache OpenWhisk's own classic invoker (InvokerReactive, ContainerPool, ContainerProxy, the Docker
# container factory), compiled from source and run beside Palette, with the project's `docker`
# stand-in (test/support/docker-standin/) in place of a Docker engine. README: "Tested against
# Apache OpenWhisk's own invoker".
#
#   scripts/openwhisk-invoker.sh build
#       Compiles apache/openwhisk@1fae641 (common/scala + core/invoker, see LEFT_OUT below) with Maven
#       into .cache/openwhisk-invoker/<commit>-<hash>/ and installs OpenWhisk's Node.js action proxy
#       (apache/openwhisk-runtime-nodejs@d7baea7, core/nodejsActionBase) with its npm dependencies from
#       the lockfile under test/support/docker-standin/action-proxy/. Prints the build folder on stdout.
#       Cached: a run with the same inputs (this script, the pom, the stand-ins, the tarballs, the
#       lockfile) prints the folder at once.
#   scripts/openwhisk-invoker.sh path
#       Prints the build folder for the current inputs; exit status 1 when it is not built yet.
#   scripts/openwhisk-invoker.sh start --id N [options]
#       Runs invoker N (no ZooKeeper: `--id N`) in a private mount namespace whose /usr/bin/docker (or
#       /usr/local/bin/docker, the first that exists: the one OpenWhisk's DockerClient would run) is the
#       stand-in. Needs root (unshare -m). Reads KAFKA_BROKERS and COUCHDB_URL (required), DB_PREFIX
#       (default whisk_local_), KAFKA_TOPIC_PREFIX, COUCHDB_USER/COUCHDB_PASSWORD, PALETTE_PORT (the API
#       the actions call back, default 3233). Its folder is .cache/openwhisk-invoker/run/<prefix>invoker<N>/
#       (containers/, invoker.log, invoker.pid).
#         --port P          the invoker's own HTTP port (OpenWhisk's PORT; never 8080)  default 28080+N
#         --memory SIZE     whisk.container-pool.user-memory                             default 2048m
#         --name NAME       --uniqueName                                                 default openwhisk-invoker-N
#         --foreground      exec the JVM (the caller's child process is the invoker; logs to stdout)
#   scripts/openwhisk-invoker.sh stop --id N | --all
#       SIGTERM (then SIGKILL) the invoker(s) of this KAFKA_TOPIC_PREFIX (--all: of every prefix) and
#       SIGKILL every action container they left, also those of an invoker that was SIGKILLed.
#
# Needs java 17, mvn 3.8, node 20, npm; Maven Central and the npm registry for the first build.
# The sources come from ../shared/tools/openwhisk-src (OPENWHISK_SRC_DIR overrides), never written to.
set -euo pipefail

readonly COMMIT=1fae641
readonly UPSTREAM="apache/openwhisk@1fae641a2b30bccb7ddc69d2d215866d899a8510"
project_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$project_dir/scripts/openwhisk-invoker"
src_dir="${OPENWHISK_SRC_DIR:-$project_dir/../shared/tools/openwhisk-src}"
standin_dir="$project_dir/test/support/docker-standin"
cache_root="$project_dir/.cache/openwhisk-invoker"
run_root="$cache_root/run"

# --- build inputs: this part of the script (to the matching end marker) is in the build's cache key ---
# Files of the tarball that are not compiled, and why (the README repeats this list).
# common/scala: cloud and cluster back ends whose SDKs the classic invoker never loads, plus the two
# file-based log/activation stores that need pekko-connectors-file's LogRotatorSink (not served for
# Scala 2.12) and the two files that only build on them.
readonly LEFT_OUT_COMMON=(
  core/database/cosmosdb core/database/mongodb core/database/elasticsearch core/database/s3
  core/database/azblob core/etcd core/service core/yarn
  core/database/ActivationFileStorage.scala
  core/containerpool/logging/DockerToActivationFileLogStore.scala
  core/containerpool/logging/ElasticSearchLogStore.scala
  core/database/ArtifactWithFileStorageActivationStore.scala
)
# core/invoker: the scheduler-based (FPC) invoker and the Kubernetes factory.
readonly LEFT_OUT_INVOKER=(
  invoker/FPCInvokerReactive.scala invoker/FPCInvokerServer.scala invoker/ContainerMessageConsumer.scala
  containerpool/v2 containerpool/kubernetes
)

# --- end of the build inputs in the script (cmd_build below is in the key too) ---
say() { printf 'openwhisk-invoker: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

# The cache key: the parts of this script that shape the build (the left-out lists and cmd_build), the
# pom, the Scala stand-ins, both tarballs and the action proxy's lockfile. Edits elsewhere keep the build.
inputs_stamp() {
  {
    sed -n -e '/^# --- build inputs/,/^# --- end of the build inputs/p' -e '/^cmd_build()/,/^}/p' "${BASH_SOURCE[0]}"
    cat "$here/pom.xml" "$src_dir/openwhisk-src.tgz" "$src_dir/openwhisk-runtime-nodejs-src.tgz" \
      "$standin_dir/action-proxy/package-lock.json"
    find "$here/standins" -type f | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -c1-16
}

build_dir() { printf '%s/%s-%s' "$cache_root" "$COMMIT" "$(inputs_stamp)"; }

cmd_build() {
  [[ $# -eq 0 ]] || die "build takes no options (got: $*)"
  [[ -f $src_dir/openwhisk-src.tgz ]] || die "no OpenWhisk source at $src_dir/openwhisk-src.tgz (set OPENWHISK_SRC_DIR)"
  local out
  out="$(build_dir)"
  if [[ -f $out/.complete ]]; then
    echo "$out"
    return
  fi
  for tool in java mvn node npm; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH (the build needs java 17, mvn, node 20 and npm)"
  done
  local started=$SECONDS
  say "building $UPSTREAM into $out (cold: several minutes)"
  rm -rf "$out"
  mkdir -p "$out"
  local work="$out/build"
  mkdir -p "$work/upstream-src"
  tar -xzf "$src_dir/openwhisk-src.tgz" -C "$work/upstream-src" --strip-components=1
  local c="$work/upstream-src/common/scala/src/main/scala/org/apache/openwhisk"
  local i="$work/upstream-src/core/invoker/src/main/scala/org/apache/openwhisk/core"
  local p
  for p in "${LEFT_OUT_COMMON[@]}"; do
    [[ -e $c/$p ]] || die "expected $p in common/scala (tarball changed?)"
    rm -rf "${c:?}/$p"
  done
  for p in "${LEFT_OUT_INVOKER[@]}"; do
    [[ -e $i/$p ]] || die "expected $p in core/invoker (tarball changed?)"
    rm -rf "${i:?}/$p"
  done
  cp "$here/pom.xml" "$work/"
  cp -R "$here/standins" "$work/"
  (cd "$work" && mvn -B -ntp -q -Dstyle.color=never package) >&2 ||
    die "maven build failed (see the output above)"
  cp "$work/target/openwhisk-invoker.jar" "$out/"
  cp -R "$work/target/lib" "$out/lib"
  cp "$work/target/openwhisk-invoker-invoker-conf.jar" "$out/lib/"
  cp "$work/upstream-src/common/scala/transformEnvironment.sh" "$out/"
  cp "$work/upstream-src/ansible/files/runtimes.json" "$out/"
  cp "$work/upstream-src/LICENSE.txt" "$work/upstream-src/NOTICE.txt" "$out/"
  say "invoker compiled in $((SECONDS - started)) s"

  # OpenWhisk's Node.js action proxy, unchanged, with its production dependencies from our lockfile.
  local proxy="$out/action-proxy"
  mkdir -p "$work/runtime"
  tar -xzf "$src_dir/openwhisk-runtime-nodejs-src.tgz" -C "$work/runtime" --strip-components=1
  cp -R "$work/runtime/core/nodejsActionBase" "$proxy"
  cp "$standin_dir/action-proxy/package-lock.json" "$proxy/"
  (cd "$proxy" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) >&2 ||
    die "npm ci of the action proxy failed"
  rm -rf "$work"
  printf 'upstream=%s\nruntime=apache/openwhisk-runtime-nodejs@d7baea7\nbuild-seconds=%s\n' \
    "$UPSTREAM" "$((SECONDS - started))" >"$out/BUILD_INFO"
  touch "$out/.complete"
  # Earlier builds (other inputs) are dead weight.
  find "$cache_root" -mindepth 1 -maxdepth 1 -name "$COMMIT-*" ! -path "$out" -exec rm -rf {} +
  say "built in $((SECONDS - started)) s"
  echo "$out"
}

# The docker binary OpenWhisk's DockerClient picks: the first of these that exists.
docker_target() {
  local t
  for t in /usr/bin/docker /usr/local/bin/docker; do
    [[ -e $t ]] && { echo "$t"; return; }
  done
  return 1
}

cmd_start() {
  local id="" port="" memory="2048m" name="" foreground=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --id) id="${2:-}"; shift 2 ;;
      --port) port="${2:-}"; shift 2 ;;
      --memory) memory="${2:-}"; shift 2 ;;
      --name) name="${2:-}"; shift 2 ;;
      --foreground) foreground=1; shift ;;
      *) die "start: unknown option '$1' (see --help)" ;;
    esac
  done
  [[ $id =~ ^[0-9]+$ ]] || die "start: --id N is required (a non-negative integer)"
  port="${port:-$((28080 + id))}"
  [[ $port =~ ^[0-9]+$ && $port != 8080 ]] || die "start: --port must be a number other than 8080"
  name="${name:-openwhisk-invoker-$id}"
  [[ -n ${KAFKA_BROKERS:-} ]] || die "start: KAFKA_BROKERS is not set (host:port of the Kafka broker)"
  [[ -n ${COUCHDB_URL:-} ]] || die "start: COUCHDB_URL is not set (the CouchDB the controller uses)"
  [[ $(id -u) -eq 0 ]] || die "start: needs root for its private mount namespace (unshare -m)"
  command -v unshare >/dev/null || die "start: unshare (util-linux) is not on PATH"
  local target
  target="$(docker_target)" || die "start: neither /usr/bin/docker nor /usr/local/bin/docker exists to bind the stand-in over"

  local out
  out="$(build_dir)"
  [[ -f $out/.complete ]] || die "start: not built for these inputs; run: scripts/openwhisk-invoker.sh build"

  local prefix="${KAFKA_TOPIC_PREFIX:-}" db_prefix="${DB_PREFIX:-whisk_local_}"
  local run="$run_root/${prefix}invoker$id"
  mkdir -p "$run/containers"
  if [[ -f $run/invoker.pid ]] && kill -0 "$(cat "$run/invoker.pid")" 2>/dev/null; then
    die "start: invoker $id of prefix '$prefix' is already running (pid $(cat "$run/invoker.pid"))"
  fi

  # CouchDB address in OpenWhisk's terms.
  local url="$COUCHDB_URL" proto host rest cport
  proto="${url%%://*}"
  rest="${url#*://}"
  rest="${rest%%/*}"
  rest="${rest##*@}"
  host="${rest%%:*}"
  cport="${rest##*:}"
  [[ $cport != "$rest" ]] || cport=$([[ $proto == https ]] && echo 443 || echo 5984)

  local api_port="${PALETTE_PORT:-3233}"
  local env_vars=(
    "PORT=$port"
    "KAFKA_HOSTS=$KAFKA_BROKERS"
    "RUNTIMES_MANIFEST=$(cat "$out/runtimes.json")"
    "WHISK_API_HOST_PROTO=http" "WHISK_API_HOST_NAME=127.0.0.1" "WHISK_API_HOST_PORT=$api_port"
    "CONFIG_whisk_spi_InvokerProvider=org.apache.openwhisk.core.invoker.InvokerReactive"
    "CONFIG_whisk_spi_InvokerServerProvider=org.apache.openwhisk.core.invoker.DefaultInvokerServer"
    "CONFIG_whisk_docker_containerFactory_useRunc=false"
    "CONFIG_whisk_containerPool_userMemory=$memory"
    "CONFIG_whisk_kafka_topics_prefix=$prefix"
    "CONFIG_whisk_couchdb_provider=CouchDB"
    "CONFIG_whisk_couchdb_protocol=$proto"
    "CONFIG_whisk_couchdb_host=$host"
    "CONFIG_whisk_couchdb_port=$cport"
    "CONFIG_whisk_couchdb_username=${COUCHDB_USER:-palette}"
    "CONFIG_whisk_couchdb_password=${COUCHDB_PASSWORD:-palette}"
    "CONFIG_whisk_couchdb_databases_WhiskAuth=${db_prefix}subjects"
    "CONFIG_whisk_couchdb_databases_WhiskEntity=${db_prefix}whisks"
    "CONFIG_whisk_couchdb_databases_WhiskActivation=${db_prefix}activations"
    "PALETTE_DOCKER_STATE=$run"
    "PALETTE_DOCKER_PROXY_DIR=$out/action-proxy"
    "PALETTE_DOCKER_LEASES=$run_root/ip-leases"
    "PALETTE_DOCKER_STANDIN_DIR=$standin_dir"
  )
  local props
  props="$(env -i "${env_vars[@]}" bash "$out/transformEnvironment.sh")"
  # The JVM sees only what an invoker container would, plus PATH and HOME.
  local launch
  launch=$(
    cat <<EOF
mount --bind "$standin_dir/docker" "$target" || exit 125
cd "$run"
eval "props=($props)"
exec java -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "\${props[@]}" -cp "$out/openwhisk-invoker.jar:$out/lib/*" org.apache.openwhisk.core.invoker.Invoker --id "$id" --uniqueName "$name"
EOF
  )
  if [[ $foreground -eq 1 ]]; then
    echo $$ >"$run/invoker.pid"
    exec env -i "PATH=$PATH" "HOME=${HOME:-/root}" "${env_vars[@]}" unshare -m bash -c "$launch"
  fi
  env -i "PATH=$PATH" "HOME=${HOME:-/root}" "${env_vars[@]}" setsid unshare -m bash -c "$launch" \
    >"$run/invoker.log" 2>&1 </dev/null &
  echo $! >"$run/invoker.pid"
  say "invoker $id started (pid $!, port $port, log $run/invoker.log)"
  echo $!
}

kill_containers() {
  local run="$1" f pgid ip lease
  for f in "$run"/containers/*/standin.json; do
    [[ -f $f ]] || continue
    pgid=$(sed -n 's/.*"pgid":\([0-9]*\).*/\1/p' "$f")
    [[ -n $pgid && $pgid -gt 1 ]] && kill -KILL -- "-$pgid" 2>/dev/null || true # never 0: our own group
    ip=$(sed -n 's/.*"ip":"\([0-9.]*\)".*/\1/p' "$f")
    lease="$run_root/ip-leases/$ip"
    if [[ -n $ip && -f $lease/owner && $(cat "$lease/owner") == "$(dirname "$f")" ]]; then
      rm -rf "$lease"
    fi
    rm -rf "$(dirname "$f")"
  done
}

stop_one() {
  local run="$1" pid
  if [[ -f $run/invoker.pid ]]; then
    pid="$(cat "$run/invoker.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$run/invoker.pid"
  fi
  kill_containers "$run"
}

cmd_stop() {
  local id="" all=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --id) id="${2:-}"; shift 2 ;;
      --all) all=1; shift ;;
      *) die "stop: unknown option '$1' (see --help)" ;;
    esac
  done
  if [[ $all -eq 1 ]]; then
    local d
    for d in "$run_root"/*invoker*/; do
      [[ -d $d ]] && stop_one "${d%/}"
    done
    return
  fi
  [[ $id =~ ^[0-9]+$ ]] || die "stop: --id N or --all is required"
  stop_one "$run_root/${KAFKA_TOPIC_PREFIX:-}invoker$id"
}

case "${1:-}" in
  build) shift; cmd_build "$@" ;;
  path)
    shift
    [[ $# -eq 0 ]] || die "path takes no options (got: $*)"
    echo "$(build_dir)"
    [[ -f "$(build_dir)/.complete" ]]
    ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  -h | --help | help) usage ;;
  "") usage >&2; exit 2 ;;
  *) die "unknown command or option '$1' (try --help)" ;;
esac
