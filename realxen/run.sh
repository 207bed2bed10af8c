#!/bin/bash
# The real-Xen harness: builds xenpv's probe and the lab images, boots Xen 4.17 under QEMU with a
# PV dom0 (real toolstack and netback) and a PV domU that runs the probe, then xenpv's Karaf, against /dev/xen, and
# prints one line: PASS, or FAIL with the failed steps. Logs under realxen/target/.
# With --image-only it stops once the images are built; with --rootfs-only once the Debian root filesystem
# they are made from is (it needs nothing of xenpv's build).
set -uo pipefail
cd "$(dirname "$0")/.."
export LAB=${LAB:-$PWD/realxen/target/lab}; OUT=$PWD/realxen/target; mkdir -p "$OUT"
T0=$SECONDS
need=(); for c in qemu-system-x86_64 debootstrap cpio mkfs.ext4 gcc ssh-keygen; do command -v $c >/dev/null || need+=($c); done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends qemu-system-x86 debootstrap cpio \
    e2fsprogs gcc libc6-dev linux-libc-dev libxen-dev openssh-client >/dev/null || { echo "realxen: FAIL (installing ${need[*]})"; exit 2; }
fi
if [ "${1:-}" = "--rootfs-only" ]; then
  bash realxen/build.sh --rootfs-only > "$OUT/rootfs.log" 2>&1 || { echo "realxen: FAIL (the root filesystem, see $OUT/rootfs.log)"; exit 2; }
  echo "realxen: root filesystem ready after $((SECONDS - T0)) s"; exit 0
fi
if [ "${XENPV_PROBE_BUILT:-}" != 1 ]; then
  mvn -B -ntp -q -DskipTests install -pl realxen/probe,karaf-assembly -am || { echo "realxen: FAIL (building the probe)"; exit 2; }
fi
bash realxen/build.sh > "$OUT/build.log" 2>&1 || { echo "realxen: FAIL (building the images, see $OUT/build.log)"; exit 2; }
B=$SECONDS; echo "realxen: images ready after $((B - T0)) s"
if [ "${1:-}" = "--image-only" ]; then
  echo "realxen: guest root filesystem $LAB/rootfs (xenpv's Karaf distribution in /opt/xenpv), disk image $LAB/dom0.img"
  exit 0
fi
bash realxen/boot.sh "$OUT/console.log"; rc=$?
echo "realxen: boot and checks took $((SECONDS - B)) s"
grep -a "XENPV-CHECK\|XENPV-NOTE\|GNTCHECK\|EVTCHNCHECK" "$OUT/console.log" | sed 's/^ *[0-9.]* //'
line=$(grep -a "XENTEST-RESULT" "$OUT/console.log" | tail -1 | sed 's/.*XENTEST-RESULT: //')
echo "realxen: ${line:-FAIL: no result (see $OUT/console.log)}"
exit $rc
