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

apt_install() {
  echo "installing: $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

command -v mvn >/dev/null 2>&1 || apt_install maven
if ! JDK=$(pick_jdk); then
  # Debian 12 packages no JDK >= 21; a newer Debian does
  for p in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
    if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then apt_install "$p"; break; fi
  done
  JDK=$(pick_jdk) || { echo "Switchboard needs a JDK 21 or newer: set JAVA_HOME to one (none found in /usr/lib/jvm)" >&2; exit 1; }
fi
export JAVA_HOME="$JDK"
export PATH="$JAVA_HOME/bin:$PATH"
