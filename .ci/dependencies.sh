#!/usr/bin/env bash
# Regenerates docs/dependencies.md: for each library module, the jars it brings to a user at run time (its own
# included) with their count and size, read from Maven's resolution. Run after `./mvnw install` (offline is enough).
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/dependencies.md
tmp=$(mktemp -d)
repo=$(./mvnw -q -o help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null || echo "$HOME/.m2/repository")
modules=(core testkit adapter-local adapter-kubernetes adapter-swarm adapter-nomad adapter-marathon)
{
  echo "# Dependencies"
  echo
  echo "What each library module brings to an application at run time (compile and runtime scope, transitively, its own"
  echo "jar included), as Maven resolves it. Regenerate with \`bash .ci/dependencies.sh\` after \`./mvnw install\`."
  echo
  echo "| artifact | jars | MiB | of which Baton's |"
  echo "| --- | ---: | ---: | ---: |"
} > "$out"
details=""
for m in "${modules[@]}"; do
  artifact=$(sed -n 's:^  <artifactId>\(baton-[a-z-]*\)</artifactId>:\1:p' "$m/pom.xml" | head -1)
  ./mvnw -q -o -pl "$m" dependency:list -DincludeScope=runtime -DoutputFile="$tmp/$m.txt" -DoutputAbsoluteArtifactFilename=true >/dev/null
  own=$(ls "$m"/target/"$artifact"-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1)
  files=$(grep -oE '/[^ ]+\.jar' "$tmp/$m.txt" | sort -u)
  count=$(( $(echo "$files" | grep -c . ) + 1 ))
  bytes=$(( $(echo "$files" | xargs -r stat -c %s | paste -sd+ | bc) + $(stat -c %s "$own") ))
  baton=$(( $(echo "$files" | grep '/dev/baton/' | xargs -r stat -c %s | paste -sd+ | bc || echo 0) + $(stat -c %s "$own") ))
  printf '| `%s` | %d | %.1f | %.2f |\n' "$artifact" "$count" "$(echo "$bytes/1048576" | bc -l)" "$(echo "$baton/1048576" | bc -l)" >> "$out"
  details+=$'\n'"## \`$artifact\`"$'\n\n'
  details+=$(grep -E '^\s+[^ ]+:[^ ]+:jar:' "$tmp/$m.txt" | sed -E 's/\x1b\[[0-9;]*m//g; s/^ +//; s/ -- .*//; s/:(compile|runtime)(:\/.*)?$//' | sort | sed 's/^/- /')
  details+=$'\n'
done
echo "$details" >> "$out"
rm -rf "$tmp"
echo "wrote $out"
