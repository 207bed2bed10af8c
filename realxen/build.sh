#!/bin/bash
# Builds the real-Xen lab images from Debian packages under $LAB: Xen 4.17 (extracted, never
# installed on this host), a dom0 root filesystem with the toolstack, netback and a Java runtime,
# and the domU's initramfs. The domU uses the same root filesystem as a read-only second disk for
# the JVM, xenpv's probe and xenpv's Karaf distribution. Rebuilds only what changed (a stamp of the inputs).
set -euo pipefail
LAB=${LAB:?}; HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${MIRROR:-$(sed -n "s/^URIs: *\([^ ]*\/debian\)$/\1/p" /etc/apt/sources.list.d/*.sources /dev/null 2>/dev/null | head -1)}
[ -n "$MIRROR" ] || MIRROR=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$MIRROR" ] || { echo "realxen: no Debian mirror in the apt sources; set MIRROR"; exit 2; }
mkdir -p "$LAB"; cd "$LAB"

if [ ! -f xen-4.17-amd64 ]; then
  mkdir -p debs x; (cd debs && apt-get download -q xen-hypervisor-4.17-amd64)
  dpkg -x debs/xen-hypervisor-4.17-amd64_*.deb x; zcat x/boot/xen-4.17-amd64.gz > xen-4.17-amd64
fi

R=$LAB/rootfs
# curl and busybox's httpd carry the transfers, ethtool shows the TAP's offloads, tcpdump watches dom0's
# bridge for the domU's gratuitous ARP, liblwip0 is the in-JVM stack's lwIP, ssh reaches Karaf's console
# (a native client: a JVM's start costs half a minute under QEMU's emulation); a root filesystem cached
# without them is made again.
# A debootstrap cut short (test.sh stops its background job when the run fails) leaves no mark, and is made again.
if [ ! -f $LAB/rootfs.complete ] || [ ! -x $R/usr/lib/jvm/java-17-openjdk-amd64/bin/java ] || [ ! -x $R/usr/bin/curl ] \
    || [ ! -x $R/usr/bin/tcpdump ] || [ ! -e $R/usr/lib/x86_64-linux-gnu/liblwip.so.0 ] || [ ! -x $R/usr/bin/ssh ]; then
  # An interrupted debootstrap can leave /proc or /sys mounted inside: unmount before removing.
  awk -v r="$R/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf $R $LAB/dom0.img $LAB/rootfs.complete
  debootstrap --variant=minbase \
    --include=xen-utils-4.17,xenstore-utils,bridge-utils,iproute2,kmod,linux-image-amd64,initramfs-tools,busybox-static,procps,udev,openjdk-17-jre-headless,curl,ethtool,tcpdump,liblwip0,openssh-client \
    bookworm $R "$MIRROR"
  touch $LAB/rootfs.complete
fi
# With --rootfs-only the root filesystem is all: test.sh makes it while Maven builds what goes into it.
[ "${1:-}" = "--rootfs-only" ] && exit 0
K=$(ls $R/lib/modules | head -1)

# Everything below depends only on these inputs: when none changed, the images of the last run stand.
INPUTS=("$HERE"/*.sh "$HERE"/domu.cfg "$HERE"/c/*.c "$HERE"/probe/target/xenpv-realxen-probe-*.jar \
  "$HERE"/probe/target/lib/*.jar "$HERE"/../karaf-assembly/target/xenpv-karaf-*.tar.gz)
STAMP=$(cat "${INPUTS[@]}" | sha256sum | cut -d' ' -f1)
if [ -f $LAB/dom0.img ] && [ "$(cat $LAB/images.stamp 2>/dev/null)" = "$STAMP" ]; then
  echo "realxen: images under $LAB are up to date"; exit 0
fi

# What the lab runs: the probe with its classpath, the dom0 checkers, the init scripts, and the guest
# image's xenpv: the Karaf distribution, deployed as users deploy it (docs/realxen.md).
rm -rf $R/xenpv $R/xentest $R/opt/xenpv; mkdir -p $R/xenpv/probe $R/xentest $R/opt
cp "$HERE"/probe/target/xenpv-realxen-probe-*.jar "$HERE"/probe/target/lib/*.jar $R/xenpv/probe/
tar -xzf "$HERE"/../karaf-assembly/target/xenpv-karaf-*.tar.gz -C $R/opt && mv $R/opt/xenpv-karaf-* $R/opt/xenpv
# The distribution ships no password: the image's copy gets the harness's own key for the console's
# ssh login (Karaf's public-key realm, etc/keys.properties), the private half only root can read.
rm -f $R/xentest/console.key $R/xentest/console.key.pub
ssh-keygen -q -t ecdsa -b 256 -N '' -C xenpv-realxen -f $R/xentest/console.key
printf 'karaf = %s,_g_:admingroup\n' "$(cut -d' ' -f2 $R/xentest/console.key.pub)" >> $R/opt/xenpv/etc/keys.properties
chmod 600 $R/xentest/console.key $R/opt/xenpv/etc/keys.properties
# Karaf runs as a system user in group xen, which the distribution's udev rule gives the Xen devices.
chroot $R getent group xen >/dev/null || chroot $R groupadd --system xen
chroot $R getent passwd xenpv >/dev/null || chroot $R useradd --system -g xen -d /opt/xenpv -s /usr/sbin/nologin xenpv
cp $R/opt/xenpv/bin/contrib/60-xenpv.rules $R/etc/udev/rules.d/
echo "address = 192.0.2.2" > $R/opt/xenpv/etc/org.xenpv.stack.ping.PingStack.cfg
# The TAP stack's instance for vif-0, for when its feature is installed: the domU's kernel gets xenpv0.
printf 'nic.target = (nic.device=vif-0)\ninterface = xenpv0\n' > $R/opt/xenpv/etc/org.xenpv.stack.tap-vif0.cfg
# The kernel's own netfront must not take the vifs xenpv drives.
echo "blacklist xen-netfront" > $R/etc/modprobe.d/xenpv.conf
gcc -static -O1 -Wall -Werror -o $R/xentest/gntcheck "$HERE"/c/gntcheck.c
gcc -static -O1 -Wall -Werror -o $R/xentest/evtchncheck "$HERE"/c/evtchncheck.c
cp "$HERE"/dom0-init.sh "$HERE"/domu-karaf.sh "$HERE"/domu.cfg $R/xentest/; chmod +x $R/xentest/dom0-init.sh

# The domU's initramfs: busybox, XenStore clients and the Xen modules; its init mounts the second disk.
D=$LAB/domu-initramfs; rm -rf $D; mkdir -p $D/{bin,sbin,lib,lib64,proc,sys,dev,tmp,mnt,lib/modules/$K}
cp $R/bin/busybox $D/bin/; for a in $(chroot $R /bin/busybox --list); do [ -e $D/bin/$a ] || ln -s busybox $D/bin/$a; done
for b in xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-rm; do cp -L $R/usr/bin/$b $D/bin/; done
for l in libxenstore.so.4 libxentoolcore.so.1 libc.so.6; do cp -L $R/lib/x86_64-linux-gnu/$l $D/lib/; done
cp -L $R/lib64/ld-linux-x86-64.so.2 $D/lib64/
for m in drivers/xen/xen-evtchn drivers/xen/xen-gntdev drivers/xen/xen-gntalloc drivers/xen/xen-privcmd \
    drivers/xen/xenfs/xenfs drivers/block/xen-blkfront lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 \
    fs/ext4/ext4 drivers/net/xen-netfront drivers/net/tun; do
  cp $R/lib/modules/$K/kernel/$m.ko $D/lib/modules/$K/
done
cp "$HERE"/domu-init.sh $D/init; chmod +x $D/init
(cd $D && find . | cpio -o -H newc --quiet | gzip -1) > $R/xentest/domu-initrd.cpio.gz
cp $R/boot/vmlinuz-$K $R/xentest/vmlinuz
cp $R/boot/vmlinuz-$K $LAB/dom0-vmlinuz; cp $R/boot/initrd.img-$K $LAB/dom0-initrd.img

rm -f $LAB/dom0.img $LAB/images.stamp; mkfs.ext4 -q -F -L xenroot -d $R $LAB/dom0.img 4G
echo "$STAMP" > $LAB/images.stamp
echo "realxen: images built under $LAB"
