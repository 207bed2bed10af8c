#!/bin/sh
# PID 1 of the PV domU: loads the Xen user-space device modules, mounts the second disk (dom0's root
# filesystem, read-only: a Java runtime, xenpv's probe and xenpv's Karaf distribution), runs the probe,
# then Karaf (domu-karaf.sh), which also loads the kernel's own xen-netfront for the comparison: it
# stays unloaded until then so that it never takes a vif xenpv should drive.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin LD_LIBRARY_PATH=/lib
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
ip link set lo up
log(){ echo "DOMU[$(cut -d' ' -f1 /proc/uptime)] $*"; }
K=$(uname -r)
# tun: the TAP stack's /dev/net/tun.
for m in xen-evtchn xen-gntdev xen-privcmd xenfs xen-blkfront crc16 crc32c_generic mbcache jbd2 ext4 tun; do
  insmod /lib/modules/$K/$m.ko || log "insmod $m FAILED"
done
# gntalloc's default limit (1024 grants) is below what netfront's queues hold (514 each).
insmod /lib/modules/$K/xen-gntalloc.ko limit=16384 || log "insmod xen-gntalloc FAILED"
mkdir -p /proc/xen; mount -t xenfs xenfs /proc/xen
log "/dev/xen: $(ls /dev/xen | tr '\n' ' ')"
i=0; while [ ! -b /dev/xvda ] && [ $i -lt 30 ]; do sleep 1; i=$((i+1)); done
mount -t ext4 -o ro /dev/xvda /mnt || log "mount /dev/xvda FAILED"
mount -t tmpfs tmpfs /mnt/tmp; mount -t tmpfs tmpfs /mnt/run
for d in dev proc sys; do mount -o bind /$d /mnt/$d; done
log "XENPV-PROBE-START"
chroot /mnt /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx128m -Xshare:off -XX:TieredStopAtLevel=1 \
  -cp '/xenpv/probe/*' org.xenpv.realxen.Probe 2>&1
log "XENPV-PROBE-EXIT rc=$?"
chroot /mnt /bin/sh /xentest/domu-karaf.sh
log "XENPV-KARAF-DONE"
xenstore-write data/phase done
sleep 2
poweroff -f
