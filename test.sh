#!/usr/bin/env bash
# Runs every test of xenpv. Installs what the tests need first: the Xen public
# headers (libxen-dev), the Linux Xen UAPI headers (linux-libc-dev), gcc, and the
# real XenStore clients (xenstore-utils), which the conformance tests use.
set -euo pipefail
cd "$(dirname "$0")"

debian_packages=(gcc libc6-dev libxen-dev libxenmisc4.17 linux-libc-dev xenstore-utils
                 liblwip0 liblwip-dev iproute2 iputils-ping curl busybox)

missing=()
for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "test.sh: installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q "${missing[@]}" || { apt-get update -q && apt-get install -y -q "${missing[@]}"; }
    else
        echo "test.sh: these Debian packages are needed by the conformance tests: ${missing[*]}" >&2
        echo "test.sh: install them (sudo apt-get install ${missing[*]}) or run this script as root." >&2
        exit 2
    fi
fi

# xenstore-control is in xen-utils-4.17, whose installation would bring the
# Xen host daemons' init scripts: unpack it instead, and tell the tests where.
xenstore_control=$(ls /usr/lib/xen-4.*/bin/xenstore-control 2>/dev/null | head -n 1 || true)
if [ -z "$xenstore_control" ]; then
    unpacked=.cache/xen-utils
    xenstore_control=$(ls "$PWD"/$unpacked/usr/lib/xen-4.*/bin/xenstore-control 2>/dev/null | head -n 1 || true)
    if [ -z "$xenstore_control" ] && command -v apt-get >/dev/null; then
        echo "test.sh: unpacking xenstore-control from Debian's xen-utils-4.17 into $unpacked"
        mkdir -p .cache/debs
        (cd .cache/debs && { apt-get download -q xen-utils-4.17 2>/dev/null \
            || { apt-get update -q && apt-get download -q xen-utils-4.17; }; })
        dpkg-deb -x .cache/debs/xen-utils-4.17_*.deb "$unpacked"
        xenstore_control=$(ls "$PWD"/$unpacked/usr/lib/xen-4.*/bin/xenstore-control | head -n 1)
    fi
fi
if [ -n "$xenstore_control" ]; then
    export XENPV_XENSTORE_CONTROL="$xenstore_control"
fi

# Netfront's interleaving tests (Fray) run on an instrumented JDK linked from a JDK 25 (docs/testing.md).
jdk25=${XENPV_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ ! -x "$jdk25/bin/jlink" ]; then
    echo "test.sh: netfront's interleaving tests (Fray) need a JDK 25 with jlink at $jdk25; set XENPV_JDK25 to one" >&2
    exit 2
fi
export XENPV_JDK25=$jdk25

# The real-Xen harness's Debian root filesystem (debootstrap: minutes of downloads and unpacking) needs
# nothing of xenpv's build: as root it is made in the background meanwhile, and the harness waits for it.
rootfs_job=
if [ "$(id -u)" -eq 0 ]; then
    mkdir -p realxen/target
    # A session of its own, so that a failing run stops the whole job (debootstrap included) on its way out.
    # At the lowest CPU and I/O priority: the build's tests, some of them timed, come first.
    setsid nice -n 19 ionice -c 3 bash realxen/run.sh --rootfs-only > realxen/target/rootfs-job.log 2>&1 &
    rootfs_job=$!
    trap '[ -z "$rootfs_job" ] || kill -- -"$rootfs_job" 2>/dev/null || true' EXIT
fi

# The soak (itests' SoakIT, profile soak): 10 minutes by default, 2 in CI, whose whole run must stay under 30.
# XENPV_SOAK_SECONDS chooses another length.
soak_seconds=${XENPV_SOAK_SECONDS:-600}
if [ "${CI:-}" = "true" ]; then
    soak_seconds=${XENPV_SOAK_SECONDS:-120}
fi

mvn -B -ntp verify -Psoak -Dxenpv.soak.seconds="$soak_seconds" "$@"

# The fuzz targets' seeds, replayed again (docs/security.md#fuzzing): mvn verify ran every @FuzzTest target on
# each input of its seed corpus (src/test/resources/.../<Target>Inputs/<method>/) once; here they run twice more,
# once as there and once with Maven and the tests' JVM pinned to one CPU (taskset -c 0), where the targets'
# threads interleave otherwise, so that a seed whose outcome depends on timing fails here rather than at some
# later run. Nothing new is generated: the gate's result depends on the commit alone. Exploring with new
# inputs is fuzz/run.sh's, outside the gate. -am so that the modules are this tree's (verify compiled them:
# nothing is compiled again), bnd.skip since no bundle is packaged; a failing seed does not stop the other
# targets' replay (test.failure.ignore), and every target's surefire report is checked afterwards.
fuzz_files=$(grep -rl --include='*FuzzTest.java' '@FuzzTest' bundles | sort)
fuzz_modules=$(sed 's|/src/test/.*||' <<< "$fuzz_files" | sort -u | paste -sd, -)
# Names the seed of each failing "<method>(...)[N]" read on stdin: jazzer-junit 0.30 runs the empty input as [1],
# then the files of <Class>Inputs/<method>/ in the order of their paths.
seed_names() {
    local inputs=$1/target/test-classes/${2//.//}Inputs line method n seed
    while IFS= read -r line; do
        if [[ "$line" =~ ^([A-Za-z0-9_]+)\(.*\)\[([0-9]+)\]$ ]] && [ -d "$inputs/${BASH_REMATCH[1]}" ] \
                && [ -z "$(find "$inputs" -maxdepth 1 -type f)" ]; then
            method=${BASH_REMATCH[1]}; n=${BASH_REMATCH[2]}
            if [ "$n" -eq 1 ]; then
                seed="the empty input"
            else
                seed=$(cd "$inputs/$method" && find . -type f | LC_ALL=C sort | sed -n "$((n - 1))s|^\./||p")
            fi
            line="$line (seed ${seed:-unknown})"
        fi
        echo "$line"
    done
}
replay_seeds() {
    local what=$1; shift
    local file module class report tests failed=()
    for file in $fuzz_files; do
        module=${file%%/src/test/*}; class=${file#*/src/test/java/}; class=${class%.java}; class=${class//\//.}
        rm -f "$module/target/surefire-reports/TEST-$class.xml"
    done
    echo "test.sh: replaying the fuzz targets' seeds ($what)"
    if ! "$@" mvn -B -ntp -q test -pl "$fuzz_modules" -am -Dtest='*FuzzTest' -Dsurefire.failIfNoSpecifiedTests=false \
            -Dbnd.skip=true -Dxenpv.frayTests.skip=true -Dmaven.test.failure.ignore=true; then
        echo "test.sh: replaying the fuzz targets' seeds ($what): Maven failed (see above)" >&2
        exit 1
    fi
    for file in $fuzz_files; do
        module=${file%%/src/test/*}; class=${file#*/src/test/java/}; class=${class%.java}; class=${class//\//.}
        report=$module/target/surefire-reports/TEST-$class.xml
        if [ ! -f "$report" ]; then
            failed+=("${class##*.} ($module): no report, its JVM did not finish")
        elif head -n 2 "$report" | grep -q -E ' (errors|failures)="[1-9]'; then
            tests=$(awk '/<testcase / { match($0, /name="[^"]*"/); name = substr($0, RSTART + 6, RLENGTH - 7) }
                         /<(failure|error)[ >]/ { print name }' "$report" | sort -u | seed_names "$module" "$class" | paste -sd' ' -)
            failed+=("${class##*.} ($module): $tests failed; see $report")
        fi
    done
    if [ ${#failed[@]} -gt 0 ]; then
        echo "test.sh: replaying the fuzz targets' seeds ($what) failed:" >&2
        printf '  %s\n' "${failed[@]}" >&2
        echo "test.sh: a seed is an input kept in <Target>Inputs/<method>/; its failure is printed above" >&2
        exit 1
    fi
}
command -v taskset >/dev/null || { echo "test.sh: taskset (util-linux) is needed to replay the seeds on one CPU" >&2; exit 2; }
replay_seeds "second replay"
replay_seeds "third replay, pinned to CPU 0" taskset -c 0

# The end-to-end test (e2e/run.sh): xenpv carries real traffic between two Linux network stacks in
# network namespaces, through the simulator's host interfaces and the TAP stack. It needs root (network
# namespaces, TAP interfaces); CI runs as root and must run it.
if [ "$(id -u)" -eq 0 ]; then
    bash e2e/run.sh
elif [ "${CI:-}" = "true" ]; then
    echo "test.sh: the end-to-end test (e2e/run.sh) needs root, and CI must run it" >&2
    exit 1
else
    echo "test.sh: skipping the end-to-end test (e2e/run.sh): it needs root for network namespaces and TAP interfaces"
fi

# The real-Xen harness (realxen/run.sh): Xen 4.17 under QEMU, the probe against real /dev/xen
# devices in a domU. It needs root (debootstrap, mkfs); CI runs as root and must run it.
if [ "$(id -u)" -eq 0 ]; then
    if ! wait "$rootfs_job"; then
        echo "test.sh: the real-Xen root filesystem was not made in the background ($(tail -n 1 realxen/target/rootfs-job.log));" \
             "the harness makes it now"
    fi
    rootfs_job=
    XENPV_PROBE_BUILT=1 bash realxen/run.sh
elif [ "${CI:-}" = "true" ]; then
    echo "test.sh: the real-Xen harness needs root, and CI must run it" >&2
    exit 1
else
    echo "test.sh: skipping the real-Xen harness (realxen/run.sh): it needs root for debootstrap and mkfs"
fi
