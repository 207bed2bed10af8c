#!/usr/bin/env bash
# Builds xenpv's Karaf distribution and starts it in the foreground, at the
# Karaf console. Outside Xen it boots the simulator; in a Xen guest, the Linux
# provider. Tests are skipped here: ./test.sh runs them.
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v java)")")")
    export JAVA_HOME
fi
mvn -B -ntp -q -DskipTests package -pl karaf-assembly -am
exec karaf-assembly/target/assembly/bin/karaf "$@"
