# Sourced by .ci/run and infra/bin/local-stack: sets JAVA_HOME to a JDK >= 21 (installing one if none is found).
pick_jdk() {
  for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 \
           /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/*; do
    [ -n "$d" ] && [ -x "$d/bin/javac" ] || continue
    v=$("$d/bin/javac" -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')
    if [ "${v:-0}" -ge 21 ] 2>/dev/null; then echo "$d"; return 0; fi
  done
  return 1
}

need_apt=()
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
JDK=$(pick_jdk) || need_apt+=(openjdk-21-jdk-headless)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
  JDK=$(pick_jdk) || { echo "no JDK >= 21 available" >&2; exit 1; }
fi
export JAVA_HOME="$JDK"
export PATH="$JAVA_HOME/bin:$PATH"
