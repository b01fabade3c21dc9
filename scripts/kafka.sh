#!/usr/bin/env bash
# The project's own Apache Kafka broker: one KRaft node (broker + controller) on loopback.
#
#   scripts/kafka.sh up              resolve jars (first time), format storage, start, wait until ready
#   scripts/kafka.sh down            stop it cleanly (SIGTERM, then SIGKILL after a grace period)
#   scripts/kafka.sh status          exit 0 when running and accepting connections
#   scripts/kafka.sh classpath       print the broker classpath (resolving it if needed)
#   scripts/kafka.sh tools-classpath print a classpath holding Kafka's console tools
#                                    (org.apache.kafka.tools.consumer.ConsoleConsumer)
#
# Jars come from Maven Central through `mvn dependency:build-classpath` on a small pom written
# into the cache folder; the broker's state (data, pid file, log) lives in a folder per port,
# so a development broker (9092) and the test broker (19092) never share anything.
# `up` on a running broker and `down` on a stopped one do nothing.
#
# Environment (all optional):
#   KAFKA_CACHE_DIR        cache folder                      default <project>/.cache/kafka
#   KAFKA_PORT             client listener port              default 9092
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port    default KAFKA_PORT + 1
#   KAFKA_START_TIMEOUT_S  seconds to wait for readiness     default 120
#   KAFKA_RESET            1: wipe the broker's data before starting (only when not running)
#   KAFKA_HEAP_OPTS        JVM heap options                  default -Xmx512m -Xms256m
set -euo pipefail

readonly KAFKA_VERSION=3.9.1
readonly SCALA_VERSION=2.13
readonly SLF4J_VERSION=1.7.36

project_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${KAFKA_CACHE_DIR:-$project_dir/.cache/kafka}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
start_timeout="${KAFKA_START_TIMEOUT_S:-120}"
heap_opts="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"

state_dir="$cache_dir/broker-$port"
data_dir="$state_dir/data"
pid_file="$state_dir/broker.pid"
log_file="$state_dir/broker.log"
props_file="$state_dir/server.properties"

say() { printf 'kafka: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found on PATH. Install a JDK/JRE 17+ (Debian: apt-get install -y openjdk-17-jre-headless)."
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 ||
    die "mvn (Apache Maven) not found on PATH; it downloads the Kafka jars. Install it (Debian: apt-get install -y maven)."
}

# Writes pom + resolves its dependency classpath into $1.cp; reuses the file while every jar exists.
resolve_classpath() {
  local name="$1" deps="$2"
  local pom="$cache_dir/$name/pom.xml" cp_file="$cache_dir/$name.classpath"
  mkdir -p "$cache_dir/$name"
  local want
  want="$(cat <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.palette</groupId>
  <artifactId>$name</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
$deps
  </dependencies>
</project>
EOF
)"
  if [[ -s "$cp_file" && -f "$pom" && "$(cat "$pom")" == "$want" ]] && classpath_complete "$cp_file"; then
    cat "$cp_file"
    return
  fi
  need_mvn
  printf '%s\n' "$want" >"$pom"
  say "resolving $name jars from Maven Central (first run can take a minute)"
  if ! mvn -B -q -f "$pom" dependency:build-classpath -Dmdep.outputFile="$cp_file.tmp" >"$cache_dir/$name/mvn.log" 2>&1; then
    tail -n 30 "$cache_dir/$name/mvn.log" >&2
    die "mvn could not resolve the $name jars (full log: $cache_dir/$name/mvn.log)"
  fi
  mv "$cp_file.tmp" "$cp_file"
  cat "$cp_file"
}

classpath_complete() {
  local jar
  IFS=':' read -r -a jars <"$1"
  for jar in "${jars[@]}"; do [[ -f "$jar" ]] || return 1; done
}

dep() { printf '    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n' "$1" "$2" "$3"; }

broker_classpath() {
  resolve_classpath broker "$(dep org.apache.kafka "kafka_$SCALA_VERSION" "$KAFKA_VERSION"; dep org.slf4j slf4j-reload4j "$SLF4J_VERSION")"
}

tools_classpath() {
  resolve_classpath tools "$(dep org.apache.kafka kafka-tools "$KAFKA_VERSION"; dep org.slf4j slf4j-reload4j "$SLF4J_VERSION")"
}

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: it must still be our broker.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $props_file" || return 1
  echo "$pid"
}

accepts_connections() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

write_config() {
  mkdir -p "$state_dir"
  cat >"$props_file" <<EOF
# Written by scripts/kafka.sh: one KRaft node on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data_dir
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
socket.request.max.bytes=104857600
log.retention.hours=48
EOF
  cat >"$state_dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
EOF
}

# Serialises up/down per port, so two test runs starting at once do not both start a broker.
lock_state() {
  mkdir -p "$state_dir"
  exec 9>"$state_dir/.lock"
  command -v flock >/dev/null 2>&1 && flock -w 300 9 || true
}

# Prints "started" or "already-up" on stdout (callers use it to know whether to stop it later).
cmd_up() {
  need_java
  lock_state
  local log_offset=0
  if pid="$(running_pid)"; then
    if accepts_connections; then
      say "already up on 127.0.0.1:$port (pid $pid)"
      echo already-up
      return 0
    fi
    say "pid $pid exists but the port is not open yet; waiting"
  else
    rm -f "$pid_file"
    if accepts_connections; then
      die "port $port is already taken by another process; set KAFKA_PORT to a free port"
    fi
    local cp
    cp="$(broker_classpath)"
    write_config
    if [[ "${KAFKA_RESET:-0}" == 1 ]]; then rm -rf "$data_dir"; fi
    if [[ ! -f "$data_dir/meta.properties" ]]; then
      local cluster_id
      cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
      [[ -n "$cluster_id" ]] || die "kafka.tools.StorageTool random-uuid produced no id"
      java -cp "$cp" -Dlog4j.configuration="file:$state_dir/log4j.properties" \
        kafka.tools.StorageTool format -t "$cluster_id" -c "$props_file" >>"$log_file" 2>&1 ||
        { tail -n 20 "$log_file" >&2; die "formatting the storage failed (log: $log_file)"; }
    fi
    log_offset="$(stat -c %s "$log_file" 2>/dev/null || echo 0)"
    say "starting broker on 127.0.0.1:$port (controller $controller_port), log $log_file"
    # setsid: the broker outlives this shell and the npm process that started it.
    # shellcheck disable=SC2086
    setsid nohup java $heap_opts -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$state_dir/log4j.properties" \
      -Dkafka.logs.dir="$state_dir" \
      -cp "$cp" kafka.Kafka "$props_file" >>"$log_file" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$pid_file"
  fi
  local deadline=$((SECONDS + start_timeout))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file"
      tail -n 30 "$log_file" >&2
      die "broker exited during startup (log: $log_file)"
    fi
    if accepts_connections && tail -c +$((log_offset + 1)) "$log_file" | grep -q 'Kafka Server started'; then
      say "up on 127.0.0.1:$port (pid $pid)"
      echo started
      return 0
    fi
    sleep 0.3
  done
  die "broker did not accept connections on port $port within ${start_timeout}s (log: $log_file)"
}

cmd_down() {
  local pid
  lock_state
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file"
    say "not running on port $port"
    return 0
  fi
  say "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "broker did not stop within 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  say "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)" && accepts_connections; then
    echo "up 127.0.0.1:$port pid $pid"
  else
    echo "down (port $port)"
    return 1
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  classpath) broker_classpath ;;
  tools-classpath) tools_classpath ;;
  *)
    echo "usage: $0 {up|down|status|classpath|tools-classpath}" >&2
    exit 2
    ;;
esac
