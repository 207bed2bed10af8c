#!/usr/bin/env bash
# Puts back, one at a time, the bugs in checks/planted/ that the interleaving tests (Fray) exist to find, and
# runs the test each names: every one must fail. A planted bug that passes means its test explores too little.
# Not part of the gate (each run takes a minute or two); run it after changing a hand-off or its test.
# Needs a built tree (mvn install -DskipTests) and a clean work tree for the files the patches touch.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for patch in checks/planted/*.patch; do
    test=$(sed -n 's/^test: //p' "$patch" | head -n 1)
    git apply "$patch" || { echo "planted-bugs: $patch does not apply" >&2; exit 2; }
    start=$SECONDS
    if mvn -B -ntp -q -o test -pl bundles/xen-netfront -Dbnd.skip=true -Dxenpv.plainTests.skip=true \
            -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false > "target-planted-$(basename "$patch" .patch).log" 2>&1; then
        echo "planted-bugs: NOT FOUND $(basename "$patch") by $test in $((SECONDS - start)) s" >&2
        status=1
    else
        found=$(grep -h "Error found at iter" bundles/xen-netfront/target/fray/fray-report/*"${test%%#*}"/*/fray.log 2>/dev/null | tail -n 1)
        echo "planted-bugs: found $(basename "$patch") by $test in $((SECONDS - start)) s (${found#*INFO]: })"
    fi
    git apply -R "$patch"
done
exit $status
