#!/usr/bin/env bash
# Explores: Jazzer fuzzes every @FuzzTest target with new random inputs, each for the same time, each in a JVM
# (and a Maven run) of its own, one after the other; then prints a summary line per target. The gate (test.sh)
# never does this: it only replays the seeds kept in the repository, so that CI's result depends on the
# commit alone (docs/security.md#fuzzing).
#
#   fuzz/run.sh [seconds per target] [extra Maven arguments, e.g. -o]      (default 600 s per target)
#
# Targets are found as test.sh finds them (every *FuzzTest.java with an @FuzzTest method under bundles/), so
# a new one is fuzzed without editing this script; each @FuzzTest method is a target of its own
# (<Class>.<method>). JAZZER_FUZZ switches on the fuzz profile (pom.xml): Jazzer's instrumentation and
# target/jazzer/ as its working directory, where its generated corpus grows from run to run until mvn clean.
# A finding's reproducer (crash-<sha1>, or timeout-, oom-, leak-) is copied with the run's log beside it
# (crash-<sha1>.log) to fuzz/findings/<target>/, which mvn clean leaves alone and git ignores; each Maven
# run's whole output is fuzz/logs/<target>.log. To keep a finding, fix it and copy its reproducer, under a
# name that says what it does, into the target's src/test/resources/.../<Class>Inputs/<method>/.
#
# A target that fails does not stop the others. Exit status: 0 when no target had a finding or failed,
# 1 otherwise, 2 on bad usage.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: fuzz/run.sh [seconds per target] [extra Maven arguments]" >&2
    exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))

findings_root=fuzz/findings
logs=fuzz/logs
mkdir -p "$findings_root" "$logs"

# <module> <fully qualified class> <method>, one target a line.
targets=()
while IFS= read -r file; do
    module=${file%%/src/test/*}
    class=${file#*/src/test/java/}
    class=${class%.java}
    class=${class//\//.}
    # The method declared after each @FuzzTest annotation (which may carry arguments on its line; other
    # annotations may follow it).
    methods=$(awk '/^[ \t]*@FuzzTest([ \t(]|$)/ { want = 1; next }
                   want && /^[ \t]*@/ { next }
                   want && /\(/ { line = $0; sub(/\(.*/, "", line); n = split(line, w, /[ \t]+/); print w[n]; want = 0 }' "$file")
    for method in $methods; do
        targets+=("$module $class $method")
    done
done < <(grep -rl --include='*FuzzTest.java' '@FuzzTest' bundles | sort)

if [ ${#targets[@]} -eq 0 ]; then
    echo "fuzz/run.sh: no @FuzzTest target found under bundles/" >&2
    exit 1
fi
echo "fuzz/run.sh: ${#targets[@]} targets, ${seconds} s each"

summary=()
notes=()
status=0
for t in "${targets[@]}"; do
    read -r module class method <<< "$t"
    name="${class##*.}.$method"
    log="$logs/$name.log"
    artifacts="$module/target/jazzer"
    # Only this run's reproducers count (written after the stamp); earlier ones are left where they are.
    stamp="$logs/.$name.start"
    touch "$stamp"

    echo "fuzz/run.sh: fuzzing $name ($module) for ${seconds} s; log $log"
    start=$SECONDS
    JAZZER_FUZZ=1 mvn -B -ntp test -pl "$module" -am -Dtest="${class##*.}#$method" \
        -Dsurefire.failIfNoSpecifiedTests=false -Dbnd.skip=true -Djazzer.max_duration="${seconds}s" "$@" \
        > "$log" 2>&1
    maven=$?
    took=$(( SECONDS - start ))

    # libFuzzer's count: "Done N runs in S second(s)" at a clean end; after a finding only its status
    # lines ("#N ...") say how far it got.
    executions=$(grep -a -o -E '^Done [0-9]+ runs' "$log" | tail -n 1 | awk '{ print $2 }')
    if [ -z "$executions" ]; then
        last=$(grep -a -o -E '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
        executions=${last:+"at least $last"}
        executions=${executions:-unknown}
    fi

    found=()
    if [ -d "$artifacts" ]; then
        while IFS= read -r f; do
            found+=("$f")
        done < <(find "$artifacts" -maxdepth 1 -type f -newer "$stamp" \
                      \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)
    fi
    rm -f "$stamp"
    where=-
    if [ ${#found[@]} -gt 0 ]; then
        where="$findings_root/$name/"
        mkdir -p "$where"
        for f in "${found[@]}"; do
            cp "$f" "$where"
            cp "$log" "$where$(basename "$f").log"
        done
    fi

    if [ ${#found[@]} -gt 0 ]; then
        result="FINDING"
        status=1
        # What was found, in a line: the test's failure as JUnit reports it (FuzzTestFindingException: <cause>),
        # else libFuzzer's own line.
        what=$(grep -a -m 1 -o -E 'FuzzTestFindingException: .*|^== Java Exception: .*|==[0-9]+== ERROR: libFuzzer.*' "$log" \
               | sed -E 's/^FuzzTestFindingException: //; s/^== Java Exception: //; s/^==[0-9]+== //' | cut -c1-200)
        for f in "${found[@]}"; do
            notes+=("$name: $where$(basename "$f"): ${what:-see $where$(basename "$f").log}")
        done
    elif [ $maven -ne 0 ]; then
        result="FAILED (no reproducer: see $log)"
        status=1
    else
        result="ok"
    fi
    summary+=("$(printf '%-44s %-9s %-22s %-9s %-55s %s' "$name" "${took}s" "$executions" "${#found[@]}" "$where" "$result")")
done

echo
echo "fuzz/run.sh: summary (${seconds} s a target; logs in $logs/)"
printf '%-44s %-9s %-22s %-9s %-55s %s\n' target time executions findings reproducers result
printf '%s\n' "${summary[@]}"
if [ ${#notes[@]} -gt 0 ]; then
    echo
    echo "fuzz/run.sh: findings (replay one by copying it into the target's <Class>Inputs/<method>/ and running mvn test):"
    printf '  %s\n' "${notes[@]}"
fi
exit $status
