#!/usr/bin/env bash
# System tools the test suite needs beyond node_modules, installed idempotently (CI runs as root on
# Debian): a JRE and Maven for the project's Kafka broker (scripts/kafka.sh), and kcat, the
# independent Kafka client the integration tests read messages back with; javac (a JDK) for the
# openwhisk suite's FileTailSource check, and unshare for its real invokers' mount namespaces;
# Debian's chromium for the browser suite (puppeteer-core drives /usr/bin/chromium; R4, R12).
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)

if ((${#missing[@]} == 0)); then
  echo "ci-deps: java, javac, mvn, kcat, unshare and chromium present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || [[ "$(id -u)" != 0 ]]; then
  echo "ci-deps: missing ${missing[*]}; install them (needs apt-get as root)" >&2
  # kcat alone is optional: the tests fall back to Kafka's own console consumer.
  if [[ "${missing[*]}" == kcat ]]; then exit 0; fi
  exit 1
fi

echo "ci-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
