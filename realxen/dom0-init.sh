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
# dom0's end of the transfers: a 32 MiB file served by busybox httpd, and a watch on the bridge's ARP
# traffic (who announces 192.0.2.2, and when).
mkdir -p /tmp/www; head -c 33554432 /dev/urandom > /tmp/www/big; BIGSHA=$(sha256sum /tmp/www/big | cut -c1-64)
busybox httpd -p 192.0.2.1:80 -h /tmp/www
tcpdump -i xenbr0 -n -e -l arp > /tmp/arp.log 2>/dev/null &
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
# Then the domU's Karaf stage asks for dom0's part through data/xenpv/<step>-request (its value says
# how, where it matters); dom0 answers each step once in <step>-result.
answer(){ xenstore-write /local/domain/$D/data/xenpv/$1-result "$2"; t "$1: $2"; }
up(){ cut -d' ' -f1 /proc/uptime; }
BACKEND=/local/domain/0/backend/vif/$D
fetch(){ # $1: step, $2: curl's --limit-rate, or 1; fetches the domU's file, a new attempt when one fails
  rate=""; [ "$2" != 1 ] && rate="--limit-rate $2"; t0=$(up); n=0; ok=""
  while [ -z "$ok" ] && [ $n -lt 10 ]; do
    n=$((n+1)); rm -f /tmp/got
    curl -sS $rate --connect-timeout 10 --speed-limit 1024 --speed-time 60 --max-time 900 -o /tmp/got \
      http://192.0.2.2/big 2>/tmp/curl.err && ok=1 || { t "$1: attempt $n: $(tr '\n' ';' </tmp/curl.err)"; sleep 2; }
  done
  if [ -n "$ok" ]; then answer $1 "OK $(sha256sum /tmp/got | cut -c1-64) $(awk "BEGIN{print $(up) - $t0}") $n"
  else answer $1 "curl failed $n times: $(tr '\n' ';' </tmp/curl.err)"; fi
  rm -f /tmp/got; }
saverestore(){ # xl save of the running domU, then xl restore: a new domain, new backends
  cp $G /tmp/guest-before-restore.log
  t0=$(up); xl save domu /var/tmp/domu.save > /tmp/xl.txt 2>&1; rs=$?; t1=$(up)
  if [ $rs != 0 ]; then answer $1 "xl save failed: $(tr '\n' ';' </tmp/xl.txt)"; return; fi
  xl restore /var/tmp/domu.save > /tmp/xl.txt 2>&1; rr=$?; t2=$(up); rm -f /var/tmp/domu.save
  OLD=$D; D=$(xl domid domu 2>/dev/null); BACKEND=/local/domain/0/backend/vif/$D
  if [ $rr != 0 ] || [ -z "$D" ]; then FAILS="$FAILS save-restore"; t "xl restore failed: $(tr '\n' ';' </tmp/xl.txt)"; return; fi
  answer $1 "OK domain $OLD saved in $(awk "BEGIN{print $t1 - $t0}") s, restored as domain $D in $(awk "BEGIN{print $t2 - $t1}") s"; }
serve(){ v=$(key $1-request); case $1 in
  ping*)
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
  page)
    answer $1 "$(curl -sS --max-time 60 http://192.0.2.2/ 2>&1 | head -c 200)" ;;
  page-lwip) # the domU is still installing the stack when it asks: try for up to 240 s
    i=0; until curl -sS --max-time 10 -o /tmp/page.txt http://192.0.2.2/ 2>/tmp/page.err || [ $i -ge 48 ]; do
      sleep 5; i=$((i+1)); done
    answer $1 "$( [ -s /tmp/page.txt ] && head -c 200 /tmp/page.txt || tr '\n' ';' </tmp/page.err | head -c 200)"
    rm -f /tmp/page.txt /tmp/page.err ;;
  dom0-file) answer $1 "$BIGSHA" ;;
  fetch*) fetch $1 "$v" ;;
  arpmark*) answer $1 "$(wc -l < /tmp/arp.log)" ;;
  garp*) # gratuitous ARP for 192.0.2.2 seen on the bridge since line $v of the watch
    g=$(tail -n +$((v + 1)) /tmp/arp.log | grep "who-has 192.0.2.2 tell 192.0.2.2\|Reply 192.0.2.2 is-at" | head -3)
    [ -n "$g" ] && answer $1 "OK $(echo "$g" | tr '\n' ';')" || answer $1 "none since line $v" ;;
  untrust)
    xenstore-write /local/domain/$D/device/vif/0/trusted 0
    answer $1 "OK $(xenstore-read /local/domain/$D/device/vif/0/trusted)" ;;
  saverestore) saverestore $1 ;;
  *) answer $1 "dom0 does not know step $1" ;;
  esac; }
G=/var/log/xen/console/guest-domu.log
END=$(( $(up | cut -d. -f1) + 2600 ))
while xl domid domu >/dev/null 2>&1 && [ $(up | cut -d. -f1) -lt $END ]; do
  # The domU's last check is save-restore; a guest wedged after it (docs/realxen.md) gets 120 s to power off.
  if [ -z "${LAST:-}" ] && grep -aq "XENPV-CHECK save-restore " $G 2>/dev/null; then LAST=$(up | cut -d. -f1); fi
  if [ -n "${LAST:-}" ] && [ $(up | cut -d. -f1) -gt $((LAST + 120)) ]; then
    t "the domU did not power off within 120 s of its last check: xl destroy"; xl destroy domu; break
  fi
  for step in $(xenstore-list /local/domain/$D/data/xenpv 2>/dev/null | sed -n 's/-request$//p'); do
    [ -z "$(key $step-result)" ] && serve $step
    [ $step = saverestore ] && break # a new domain: its keys are new
  done
  sleep 1
done
sleep 1; kill %1 %2 2>/dev/null
# The kernel notices what a frontend did wrong (bad requests, grants it could not map): none of it here.
VIFLOG=$(dmesg | grep -i "vif\|netback\|grant")
echo "$VIFLOG" | sed 's/^/DOM0-DMESG /'
if echo "$VIFLOG" | grep -qi "error\|fatal\|bad\|fail\|bug\|warn"; then FAILS="$FAILS dom0-dmesg"; fi
# xenconsoled may start the restored domain's log afresh: the checks from before are in the copy.
cat /tmp/guest-before-restore.log $G 2>/dev/null > /tmp/guest-all.log; G=/tmp/guest-all.log
grep -q "XENPV-PROBE-RESULT PASS" $G || FAILS="$FAILS probe"
# A step that never reported (its script died, or never got there) fails as surely as one that said FAIL.
for c in karaf-netfront-list karaf-xen-info karaf-ping bundle-update ping-after-update network-attach \
    network-detach tap-interface tap-ping-from-dom0 tap-ping-to-dom0 tap-http-page tap-transfer-to-dom0 \
    tap-transfer-from-dom0 tap-offloads update-during-transfer garp-after-update lwip-http-page netfront-stopped \
    kernel-netfront kernel-transfer-to-dom0 kernel-transfer-from-dom0 kernel-released untrusted-transfer \
    save-restore karaf-log; do
  grep -aq "XENPV-CHECK $c " $G || FAILS="$FAILS $c(missing)"
done
for c in $(grep -a "XENPV-CHECK [^ ]* FAIL" $G | awk '{print $2}' | sort -u); do FAILS="$FAILS $c"; done
[ -z "$FAILS" ] && finish "PASS" || finish "FAIL:$FAILS"
