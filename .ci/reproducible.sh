#!/usr/bin/env bash
# Builds every jar twice from clean and fails when any two differ: project.build.outputTimestamp (root pom) fixes
# the time of every entry, so one commit gives the same bytes on every build. Run after the test command. Tests are
# compiled but not run: the benchmarks module's side-by-side sources use the adapters' test-jars, which must be built.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
build() {
  ./mvnw -B -q clean package -DskipTests
  (cd . && sha256sum */target/baton-*.jar) | sort -k2 > "$out/$1"
}
build first
build second
if diff -u "$out/first" "$out/second"; then
  echo "reproducible: $(wc -l < "$out/first") jars identical in two builds"
else
  echo "not reproducible: the jars above differ between two builds of the same tree" >&2
  exit 1
fi
