#!/bin/sh
# PID 1 of dom0: the Xen daemons, a bridge, the domU; then dom0's half of each probe check
# (gntcheck maps the page the domU granted, evtchncheck binds to the port it offered), and the verdict.
export PATH=/usr/lib/xen-4.17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /tmp
mount -o remount,rw /
t(){ echo "DOM0[$(cut -d' ' -f1 /proc/uptime)] $*"; }
finish(){ t "XENTEST-RESULT: $1"; sync; echo b > /proc/sysrq-trigger; sleep 5; busybox reboot -f; }
t "dom0 up, kernel $(uname -r)"
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback xen-blkback bridge; do
  modprobe $m || t "modprobe $m FAILED"
done
mount -t xenfs xenfs /proc/xen
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/log/xen/console /var/lib/xenstored /run/lock
xenstored --pid-file /run/xenstored.pid || finish "FAIL: xenstored"
i=0; while ! xenstore-read / >/dev/null 2>&1 && [ $i -lt 20 ]; do sleep 1; i=$((i+1)); done
xen-init-dom0 >/dev/null && t "xen-init-dom0 ok"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
ip link set lo up; ip link add xenbr0 type bridge; ip addr add 192.0.2.1/24 dev xenbr0; ip link set xenbr0 up
xl create /xentest/domu.cfg || { cat /var/log/xen/*.log; finish "FAIL: xl create"; }
D=$(xl domid domu); t "domU domid=$D"
( tail -n +1 -F /var/log/xen/console/guest-domu.log 2>/dev/null | sed -u 's/^/[domU] /' ) &
key(){ xenstore-read /local/domain/$D/data/xenpv/$1 2>/dev/null; }
await(){ i=0; while [ -z "$(key $1)" ] && [ $i -lt ${2:-600} ] && xl domid domu >/dev/null 2>&1; do
  sleep 1; i=$((i+1)); done; key $1; }
FAILS=""
REF=$(await gref)
if [ -n "$REF" ]; then
  R=$(/xentest/gntcheck $D $REF); t "$R"
  case "$R" in "GNTCHECK OK"*) V=OK ;; *) V="$R"; FAILS="$FAILS grant" ;; esac
  xenstore-write /local/domain/$D/data/xenpv/gnt-result "$V"
else FAILS="$FAILS no-grant"; t "the domU never granted a page"; fi
PORT=$(await evtchn 300)
if [ -n "$PORT" ]; then
  R=$(/xentest/evtchncheck $D $PORT); t "$R"
  case "$R" in "EVTCHNCHECK OK"*) V=OK ;; *) V="$R"; FAILS="$FAILS evtchn" ;; esac
  xenstore-write /local/domain/$D/data/xenpv/evtchn-result "$V"
else FAILS="$FAILS no-evtchn"; t "the domU never offered an event channel"; fi
STATS=$(await stats 300)
if [ -n "$STATS" ]; then
  GTX=${STATS% *}; GRX=${STATS#* }
  ip -s link show vif$D.0
  DRX=$(cat /sys/class/net/vif$D.0/statistics/rx_packets 2>/dev/null)
  t "counters: guest sent $GTX, dom0's vif$D.0 received $DRX; guest received $GRX"
  if [ "$DRX" = "$GTX" ]; then V=OK; else V="dom0 received $DRX of the guest's $GTX"; FAILS="$FAILS counters"; fi
  xenstore-write /local/domain/$D/data/xenpv/stats-result "$V"
fi
# Then the domU's Karaf stage asks for dom0's part through data/xenpv/<step>-request.
answer(){ xenstore-write /local/domain/$D/data/xenpv/$1-result "$2"; t "$1: $2"; }
BACKEND=/local/domain/0/backend/vif/$D
serve(){ case $1 in
  ping|ping-again)
    if busybox ping -c 5 -W 3 192.0.2.2 > /tmp/ping.txt 2>&1; then answer $1 OK
    else answer $1 "no reply from 192.0.2.2: $(tr '\n' ';' </tmp/ping.txt)"; fi ;;
  attach)
    if xl network-attach domu mac=00:16:3e:5e:00:03,bridge=xenbr0 > /tmp/xl.txt 2>&1; then answer $1 OK
    else answer $1 "xl network-attach failed: $(tr '\n' ';' </tmp/xl.txt)"; fi ;;
  detach)
    # xl gives the frontend 10 s to close before it removes the device by force, and says so.
    if xl network-detach domu 1 > /tmp/xl.txt 2>&1 && ! grep -qi "timed out\|forc" /tmp/xl.txt; then
      if xenstore-read $BACKEND/1/state >/dev/null 2>&1; then answer $1 "backend directory $BACKEND/1 still there"
      elif ip link show vif$D.1 >/dev/null 2>&1; then answer $1 "dom0 still has vif$D.1"
      else answer $1 OK; fi
    else answer $1 "xl network-detach: $(tr '\n' ';' </tmp/xl.txt)"; fi ;;
  esac; }
i=0; while xl domid domu >/dev/null 2>&1 && [ $i -lt 1500 ]; do
  for step in ping ping-again attach detach; do
    if [ -n "$(key $step-request)" ] && [ -z "$(key $step-result)" ]; then serve $step; fi
  done
  sleep 1; i=$((i+1))
done
sleep 1; kill %1 2>/dev/null
# The kernel notices what a frontend did wrong (bad requests, grants it could not map): none of it here.
VIFLOG=$(dmesg | grep -i "vif\|netback\|grant")
echo "$VIFLOG" | sed 's/^/DOM0-DMESG /'
if echo "$VIFLOG" | grep -qi "error\|fatal\|bad\|fail\|bug\|warn"; then FAILS="$FAILS dom0-dmesg"; fi
G=/var/log/xen/console/guest-domu.log
grep -q "XENPV-PROBE-RESULT PASS" $G || FAILS="$FAILS probe"
# A step that never reported (its script died, or never got there) fails as surely as one that said FAIL.
for c in karaf-netfront-list karaf-xen-info karaf-ping bundle-update ping-after-update network-attach \
    network-detach netfront-stopped karaf-log kernel-netfront; do
  grep -aq "XENPV-CHECK $c " $G || FAILS="$FAILS $c(missing)"
done
for c in $(grep -a "XENPV-CHECK .* FAIL" $G | awk '{print $2}'); do FAILS="$FAILS $c"; done
[ -z "$FAILS" ] && finish "PASS" || finish "FAIL:$FAILS"
