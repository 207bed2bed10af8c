#!/bin/sh
# In the domU, inside its disk: xenpv's Karaf distribution as the guest image deploys it (/opt/xenpv),
# started as a service would start it, and driven through its console (ssh to Karaf's shell) the way
# a user would. Steps that need dom0 (pinging the guest, xl network-attach/-detach, fetching a file, xl save and
# restore) are asked for through this domain's data/xenpv/<step>-request keys; dom0 answers in
# data/xenpv/<step>-result. Then the TAP stack gives vif-0 to this domain's own programs, the kernel's
# xen-netfront runs the same transfers for comparison, and the domain is saved and restored.
export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 PATH=/usr/sbin:/usr/bin:/sbin:/bin
# The disk is read-only: Karaf runs from a copy in tmpfs. Interpreting less and sharing nothing
# keeps start-up bearable under QEMU's software emulation.
export JAVA_MAX_MEM=256M EXTRA_JAVA_OPTS="-XX:TieredStopAtLevel=1 -Xshare:off"
K=/tmp/karaf
now(){ cut -d' ' -f1 /proc/uptime; }
check(){ echo "XENPV-CHECK $1 $2 $3"; }
console(){ # the commands on stdin (a line each), over ssh to Karaf's console; output to stdout, a copy on the console
  cmds=$(cat); timeout 180 ssh -q -p 8101 -i /xentest/console.key -o BatchMode=yes -o ConnectTimeout=30 \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null karaf@127.0.0.1 "$cmds" 2>&1 | tee /dev/stderr; }
ask_dom0(){ # $1: the step, $2: how (default 1), $3: seconds to wait (default 180); prints dom0's answer, or a timeout
  xenstore-write data/xenpv/$1-request "${2:-1}"
  i=0; while ! xenstore-read data/xenpv/$1-result >/dev/null 2>&1 && [ $i -lt ${3:-180} ]; do sleep 1; i=$((i+1)); done
  xenstore-read data/xenpv/$1-result 2>/dev/null || echo "dom0 did not answer $1 within ${3:-180} s"; }
wait_for(){ # $1: seconds; polls the rest, a command, once a second until it succeeds
  n=$1; shift; i=0; until "$@"; do [ $i -ge $n ] && return 1; sleep 1; i=$((i+1)); done; }
secs(){ awk "BEGIN{printf \"%.1f\", $(now) - $1}"; }
vif_row(){ # $1: device; its netfront:list row, or nothing
  echo "netfront:list --no-format" | console | grep "^$1[[:space:]]"; }
await_vif(){ # $1: device, $2: ACTIVE or gone, $3: seconds (default 300)
  end=$(($(now | cut -d. -f1) + ${3:-300})); while :; do
    row=$(vif_row $1)
    case "$2" in ACTIVE) echo "$row" | grep -q "ACTIVE" && { echo "$row"; return 0; } ;;
                 gone) [ -z "$row" ] && return 0 ;; esac
    [ $(now | cut -d. -f1) -lt $end ] || break; sleep 5; done
  echo "$row"; return 1; }

# The guest image runs Karaf as a system user (xenpv, group xen), not as root (docs/karaf.md, "Without root"):
# udev gives the group the four Xen devices by the distribution's rule (bin/contrib/60-xenpv.rules, installed
# by build.sh), and the process keeps one capability, CAP_NET_ADMIN, for the TAP stack's interface. udev runs
# only to apply the rule: it exits again so that it renames no interface later in the run.
# udev's tools refuse to act in a chroot unless told to (this script runs in one: domu-init.sh's).
export SYSTEMD_IGNORE_CHROOT=1
/lib/systemd/systemd-udevd --daemon && udevadm trigger --action=add --subsystem-match=misc && udevadm settle --timeout=120
udevadm control --exit; unset SYSTEMD_IGNORE_CHROOT
devs=$(ls -l /dev/xen/evtchn /dev/xen/gntalloc /dev/xen/privcmd /dev/xen/xenbus 2>&1)
[ "$(echo "$devs" | awk '$1 == "crw-rw----" && $4 == "xen"' | wc -l)" = 4 ] \
  && check udev-rule OK "the distribution's rule gave group xen the devices: $(echo "$devs" | awk '{print $1, $4, $NF}' | tr '\n' ';')" \
  || check udev-rule FAIL "$(echo "$devs" | tr '\n' ';') udev: $(SYSTEMD_IGNORE_CHROOT=1 udevadm info /dev/xen/evtchn 2>&1 | tr '\n' ';')"
cp -a /opt/xenpv $K; chown -R xenpv:xen $K
as_karaf_file(){ chown xenpv:xen "$@"; }
T0=$(now); echo "DOMU-KARAF starting xenpv's Karaf at ${T0}s"
HOME=$K setpriv --reuid=xenpv --regid=xen --init-groups --inh-caps=+net_admin --ambient-caps=+net_admin $K/bin/start
row=$(await_vif vif-0 ACTIVE 900); rc=$?
echo "DOMU-KARAF Karaf up and vif-0 ACTIVE after $(awk "BEGIN{print $(now) - $T0}") s"
features=$(echo "$row" | awk '{print $NF}')
[ $rc = 0 ] && echo "$features" | grep -q multi-queue && echo "$features" | grep -q split-event-channels
[ $? = 0 ] && check karaf-netfront-list OK "$row" || check karaf-netfront-list FAIL "vif-0: ${row:-no row}"

pid=$(pgrep -f org.apache.karaf.main.Main | head -1)
who=$(ps -o user=,group= -p "$pid" 2>&1 | awk '{print $1, $2}'); caps=$(awk '/^CapEff/{print $2}' /proc/$pid/status 2>&1)
# CAP_NET_ADMIN is capability 12: the effective set holds it and nothing else.
[ "$who" = "xenpv xen" ] && [ "$caps" = 0000000000001000 ] \
  && check karaf-not-root OK "Karaf (pid $pid) runs as $who with only CAP_NET_ADMIN (CapEff $caps)" \
  || check karaf-not-root FAIL "Karaf (pid ${pid:-none}) runs as '$who', CapEff $caps"

domid=$(xenstore-read domid)
info=$(echo "xen:info --no-format" | console)
echo "$info" | grep -q "^Provider[[:space:]]*linux" && echo "$info" | grep -q "^Xen version[[:space:]]*4\.17" \
  && echo "$info" | grep -q "^Domain id[[:space:]]*$domid[[:space:]]*$" \
  && check karaf-xen-info OK "Linux provider, Xen 4.17, domid $domid" \
  || check karaf-xen-info FAIL "$(echo "$info" | tr '\n' ';')"

# A stack installed through its feature answers dom0's ping through xenpv's netfront.
echo "feature:install xenpv-stack-ping" | console
r=$(ask_dom0 ping); [ "$r" = OK ] && check karaf-ping OK "dom0 pinged 192.0.2.2 through the ping stack" \
  || check karaf-ping FAIL "$r"

# Milestone 3: the netfront bundle updated in place reconnects to the real netback.
id=$(echo "bundle:id org.xenpv.netfront" | console | tr -dc 0-9)
echo "bundle:update $id" | console
row=$(await_vif vif-0 ACTIVE) && check bundle-update OK "vif-0 after bundle:update $id: $row" \
  || check bundle-update FAIL "vif-0 not ACTIVE again: ${row:-no row}"
r=$(ask_dom0 ping-again); [ "$r" = OK ] && check ping-after-update OK "dom0's ping answered again" \
  || check ping-after-update FAIL "$r"

# A vif hot-plugged by dom0's toolstack becomes a second Nic; hot-unplugged, it goes away cleanly.
r=$(ask_dom0 attach)
row=$(await_vif vif-1 ACTIVE); rc=$?
[ "$r" = OK ] && [ $rc = 0 ] && check network-attach OK "$row" || check network-attach FAIL "dom0: $r; vif-1: ${row:-no row}"
r=$(ask_dom0 detach)
await_vif vif-1 gone >/dev/null; rc=$?
[ "$r" = OK ] && [ $rc = 0 ] && check network-detach OK "vif-1 gone from netfront:list; dom0: backend directory removed" \
  || check network-detach FAIL "dom0: $r; vif-1 still listed: $rc"

# --- Programs over xenpv: the TAP stack gives vif-0 to this domain's kernel as xenpv0 ---
# What a distribution's hotplug handling does: address xenpv0 whenever it (re)appears, as it does down and
# unaddressed each time the Nic comes back (bundle:update, a reconnection).
addressed(){ ip -4 addr show dev xenpv0 2>/dev/null | grep -q "192.0.2.2/24" && ip link show xenpv0 | grep -q LOWER_UP; }
keep_addressed(){
  while [ ! -e /tmp/stop-addressing ]; do
    if ip link show xenpv0 >/dev/null 2>&1 && ! ip -4 addr show dev xenpv0 | grep -q 192.0.2.2/24; then
      ip addr add 192.0.2.2/24 dev xenpv0 && ip link set xenpv0 up && echo "DOMU-KARAF xenpv0 appeared at $(now)s: addressed"
    fi
    sleep 1
  done; }
BIG=33554432
mkdir -p /tmp/www; head -c $BIG /dev/urandom > /tmp/www/big; BIGSHA=$(sha256sum /tmp/www/big | cut -c1-64)
echo "xenpv page $(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" > /tmp/www/index.html
busybox httpd -p 80 -h /tmp/www
DOM0SHA=$(ask_dom0 dom0-file)
to_dom0(){ # $1: step, $2: curl's rate limit or 1: dom0 fetches this domain's file; prints the seconds, or why not
  r=$(ask_dom0 $1 "${2:-1}" 900)
  case "$r" in "OK $BIGSHA "*) set -- $r; echo "$3 s in $4 attempt(s)" ;; "OK "*) echo "SHA-256 differs: $r"; return 1 ;;
    *) echo "$r"; return 1 ;; esac; }
from_dom0(){ # fetches dom0's file, a new attempt when one fails; prints the seconds, or why not
  t0=$(now); n=0
  while [ $n -lt 10 ]; do
    n=$((n+1)); rm -f /tmp/got
    if curl -sS --connect-timeout 10 --speed-limit 1024 --speed-time 60 --max-time 900 -o /tmp/got \
        http://192.0.2.1/big 2>/tmp/curl.err; then
      s=$(sha256sum /tmp/got | cut -c1-64); rm -f /tmp/got
      [ "$s" = "$DOM0SHA" ] && { echo "$(secs $t0) s in $n attempt(s)"; return 0; }
      echo "SHA-256 $s, dom0's file has $DOM0SHA"; return 1
    fi
    echo "DOMU-KARAF from_dom0 attempt $n: $(tr '\n' ';' </tmp/curl.err)" >&2; sleep 2
  done
  echo "curl failed $n times: $(tr '\n' ';' </tmp/curl.err)"; return 1; }
transfer(){ # $1: check name prefix, $2: step for dom0's fetch; both directions; sets TO and FROM (seconds)
  TO=""; FROM=""
  r=$(to_dom0 $2) && { check $1-to-dom0 OK "32 MiB to dom0 by HTTP, SHA-256 intact, $r"; TO=${r%% *}; } \
    || check $1-to-dom0 FAIL "$r"
  r=$(from_dom0) && { check $1-from-dom0 OK "32 MiB from dom0 by HTTP, SHA-256 intact, $r"; FROM=${r%% *}; } \
    || check $1-from-dom0 FAIL "$r"; }

mark=$(ask_dom0 arpmark-tap)
echo "feature:uninstall xenpv-stack-ping
feature:install xenpv-stack-tap" | console
keep_addressed &
wait_for 180 addressed && check tap-interface OK "$(ip -br addr show xenpv0 | tr -s ' ')" \
  || check tap-interface FAIL "xenpv0: $(ip addr show xenpv0 2>&1 | tr '\n' ';')"
echo "XENPV-NOTE garp-on-first-up (arp_notify $(cat /proc/sys/net/ipv4/conf/xenpv0/arp_notify 2>/dev/null)): $(ask_dom0 garp-tap "$mark")"
r=$(ask_dom0 ping-tap); [ "$r" = OK ] && check tap-ping-from-dom0 OK "dom0 pinged 192.0.2.2, the domU's kernel on xenpv0" \
  || check tap-ping-from-dom0 FAIL "$r"
busybox ping -c 3 -W 5 192.0.2.1 > /tmp/ping.txt 2>&1 && check tap-ping-to-dom0 OK "$(grep -a packets /tmp/ping.txt)" \
  || check tap-ping-to-dom0 FAIL "$(tr '\n' ';' </tmp/ping.txt)"
r=$(ask_dom0 page); [ "$r" = "$(cat /tmp/www/index.html)" ] && check tap-http-page OK "dom0's curl got \"$r\" from busybox httpd" \
  || check tap-http-page FAIL "dom0's curl got \"$r\""
offloads=$(ethtool -k xenpv0 2>&1 | grep -E "^(tx-checksumming|tcp-segmentation-offload|scatter-gather):" | tr -s ' \n' ' ')
transfer tap-transfer fetch-tap; XTO=$TO; XFROM=$FROM
stats=$(echo "netfront:stats vif-0
tap:list" | console)
c(){ echo "$stats" | sed -n "s/^$1: *\([0-9]*\).*/\1/p" | head -1; }
counters="tx_gso_frames $(c tx_gso_frames) tx_multi_slot_frames $(c tx_multi_slot_frames) tx_checksum_blank $(c tx_checksum_blank) rx_gso_frames $(c rx_gso_frames) rx_multi_slot_frames $(c rx_multi_slot_frames) rx_checksum_blank $(c rx_checksum_blank)"
echo "$offloads" | grep -q "tx-checksumming: on" && echo "$offloads" | grep -q "tcp-segmentation-offload: on" \
  && [ "$(c tx_gso_frames)" -gt 0 ] 2>/dev/null && [ "$(c tx_multi_slot_frames)" -gt 0 ] && [ "$(c rx_gso_frames)" -gt 0 ] \
  && [ "$(c rx_multi_slot_frames)" -gt 0 ] && check tap-offloads OK "ethtool -k xenpv0: $offloads; netfront:stats vif-0: $counters" \
  || check tap-offloads FAIL "ethtool -k xenpv0: $offloads; netfront:stats vif-0: $counters"

# netfront updated in place while dom0 fetches (rate-limited, so that the update lands mid-transfer).
# From here the kernel announces its address when xenpv0 comes up (arp_notify), as netfront's own
# reconnection does not.
echo 1 > /proc/sys/net/ipv4/conf/default/arp_notify; echo 1 > /proc/sys/net/ipv4/conf/all/arp_notify
mark=$(ask_dom0 arpmark-update)
tx0=$(cat /sys/class/net/xenpv0/statistics/tx_bytes)
( to_dom0 fetch-update 512K > /tmp/update-transfer.txt; echo $? >> /tmp/update-transfer.txt ) & fetching=$!
moving(){ [ $(($(cat /sys/class/net/xenpv0/statistics/tx_bytes 2>/dev/null || echo 0) - tx0)) -gt 4000000 ]; }
wait_for 120 moving || echo "DOMU-KARAF the rate-limited transfer did not start within 120 s"
( echo "bundle:update $id" | console > /tmp/update.out ) & updating=$!
gone(){ ! ip link show xenpv0 >/dev/null 2>&1; }
wait_for 300 gone; kill -0 $fetching 2>/dev/null && during=yes || during="no: the transfer had ended before the Nic went"
wait $updating; wait_for 300 addressed; wait $fetching
r=$(head -1 /tmp/update-transfer.txt)
[ "$(tail -1 /tmp/update-transfer.txt)" = 0 ] && [ "$during" = yes ] \
  && check update-during-transfer OK "bundle:update $id while dom0 fetched 32 MiB: intact, $r" \
  || check update-during-transfer FAIL "$r; still transferring when the update was done: $during"
r=$(ask_dom0 garp-update "$mark"); case "$r" in OK*) check garp-after-update OK "dom0 saw: ${r#OK }" ;;
  *) check garp-after-update FAIL "no gratuitous ARP for 192.0.2.2 after the update: $r" ;; esac

# --- The in-JVM stack: xenpv-http on lwIP serves a page at 192.0.2.2 on vif-0, with no guest-kernel
# networking on that vif (the TAP stack's feature goes first, and xenpv0 with it); then the TAP stack again.
# The configurations are files in etc/, as a guest image would carry them; one console call each way.
mkdir -p /tmp/www-lwip; echo "xenpv-http on lwIP $(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" > /tmp/www-lwip/index.html
printf 'nic.target = (nic.device=vif-0)\naddress = 192.0.2.2/24\n' > $K/etc/org.xenpv.stack.lwip-vif0.cfg
printf 'stack.target = (nic.device=vif-0)\nport = 80\nroot = /tmp/www-lwip\n' > $K/etc/org.xenpv.http-vif0.cfg
as_karaf_file $K/etc/org.xenpv.stack.lwip-vif0.cfg $K/etc/org.xenpv.http-vif0.cfg
echo "feature:uninstall xenpv-stack-tap
feature:install xenpv-stack-lwip xenpv-http" | console
r=$(ask_dom0 page-lwip 1 300)
kernel_has_it=$(ip link show xenpv0 2>&1 | head -1)
[ "$r" = "$(cat /tmp/www-lwip/index.html)" ] && ! ip link show xenpv0 >/dev/null 2>&1 \
  && check lwip-http-page OK "dom0's curl got \"$r\" from xenpv-http on lwIP; the domU's kernel has no xenpv0" \
  || check lwip-http-page FAIL "dom0's curl got \"$r\"; xenpv0: $kernel_has_it"
rm -f $K/etc/org.xenpv.stack.lwip-vif0.cfg $K/etc/org.xenpv.http-vif0.cfg
echo "feature:uninstall xenpv-http xenpv-stack-lwip
feature:install xenpv-stack-tap" | console
wait_for 180 addressed || echo "DOMU-KARAF xenpv0 not addressed again within 180 s of the TAP stack's return"

# Stopping netfront closes the vif and hands it back as the toolstack made it: frontend Initialising
# (1), backend InitWait (2), ready for another frontend.
echo "bundle:stop $id" | console
backend=$(xenstore-read device/vif/0/backend)
i=0; while [ "$(xenstore-read $backend/state)" != 2 ] && [ $i -lt 30 ]; do sleep 1; i=$((i+1)); done
fs=$(xenstore-read device/vif/0/state); bs=$(xenstore-read $backend/state)
[ "$fs" = 1 ] && [ "$bs" = 2 ] && check netfront-stopped OK "frontend Initialising (1), backend InitWait (2)" \
  || check netfront-stopped FAIL "frontend state $fs, backend state $bs"

# --- The reference: the kernel's xen-netfront takes the same vif; the same transfers ---
insmod /lib/modules/$(uname -r)/kernel/drivers/net/xen-netfront.ko || echo "DOMU-KARAF insmod xen-netfront FAILED"
wait_for 60 test -e /sys/class/net/eth0
ip addr add 192.0.2.2/24 dev eth0 && ip link set eth0 up
wait_for 60 sh -c 'ip link show eth0 | grep -q LOWER_UP'
if busybox ping -c 3 -W 5 192.0.2.1 >/tmp/ping.txt 2>&1; then
  check kernel-netfront OK "the kernel's xen-netfront took vif 0: $(grep -a 'packets' /tmp/ping.txt)"
else
  check kernel-netfront FAIL "$(tr '\n' ';' </tmp/ping.txt) frontend $(xenstore-read device/vif/0/state)"
fi
transfer kernel-transfer fetch-kernel; KTO=$TO; KFROM=$FROM
ratio(){ [ -n "$1" ] && [ -n "$2" ] && awk "BEGIN{printf \"%.2f\", $1 / $2}" || echo "n/a"; }
echo "XENPV-NOTE transfer-times 32 MiB by HTTP: domU to dom0 xenpv ${XTO:-?} s, kernel ${KTO:-?} s, xenpv/kernel $(ratio "$XTO" "$KTO"); dom0 to domU xenpv ${XFROM:-?} s, kernel ${KFROM:-?} s, xenpv/kernel $(ratio "$XFROM" "$KFROM")"
# The kernel's netfront lets go (as xenlab's recipe hands a vif to a user-space frontend): the driver is
# unbound from vif-0 (the module stays: rmmod finds it in use), both ends reach Closed, the frontend is
# set to Initialising and the backend waits again.
ip link set eth0 down; echo vif-0 > /sys/bus/xen/drivers/vif/unbind
closed(){ [ "$(xenstore-read device/vif/0/state)" = 6 ] && [ "$(xenstore-read $backend/state)" = 6 ]; }
wait_for 60 closed || echo "DOMU-KARAF after the unbind: frontend $(xenstore-read device/vif/0/state), backend $(xenstore-read $backend/state)"
xenstore-write device/vif/0/state 1
i=0; while [ "$(xenstore-read $backend/state)" != 2 ] && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done
fs=$(xenstore-read device/vif/0/state); bs=$(xenstore-read $backend/state)
[ "$fs" = 1 ] && [ "$bs" = 2 ] && check kernel-released OK "xen-netfront unbound from vif-0: frontend Initialising (1), backend InitWait (2)" \
  || check kernel-released FAIL "frontend state $fs, backend state $bs"

# --- Untrusted backend: dom0 writes trusted = 0 before netfront connects again ---
u=$(ask_dom0 untrust)
echo "bundle:start $id" | console
connected(){ [ "$(xenstore-read device/vif/0/state 2>/dev/null)" = 4 ]; }
wait_for 300 connected; wait_for 180 addressed; row="frontend state $(xenstore-read device/vif/0/state)"
tr=$(xenstore-read device/vif/0/trusted)
transfer untrusted-transfer fetch-untrusted
[ "$u" = "OK 0" ] && [ "$tr" = 0 ] && [ -n "$TO" ] && [ -n "$FROM" ] \
  && check untrusted-transfer OK "trusted = $tr while netfront connected ($row); 32 MiB each way intact: $TO s, $FROM s" \
  || check untrusted-transfer FAIL "dom0: $u; trusted = $tr; vif-0: ${row:-no row}; to dom0 ${TO:-failed}, from dom0 ${FROM:-failed}"

# --- Save and restore with xenpv connected ---
# Karaf's log up to here is what karaf-log judges; what the restore brings is save-restore's evidence.
L0=$(wc -l < $K/data/log/karaf.log)
olddomid=$(xenstore-read domid); oldbackend=$(xenstore-read device/vif/0/backend)
r=$(ask_dom0 saverestore 1 900)
newdomid=$(xenstore-read domid)
echo "DOMU-KARAF restored: dom0 said \"$r\"; domid $olddomid -> $newdomid"
# Watched from this domain's side (XenStore, the kernel's interface): the console may not answer.
# Linux's evtchn device cannot release a port bound before the save (BUG_ON in evtchn_unbind_from_user,
# docs/realxen.md): when the kernel says so, waiting longer shows nothing more.
evtchn_bug(){ dmesg | grep -q "kernel BUG at drivers/xen/evtchn.c"; }
reconnected(){ connected && addressed; }
settled(){ reconnected || evtchn_bug; }
wait_for 300 settled
if reconnected; then
  row="frontend state $(xenstore-read device/vif/0/state), xenpv0 addressed"
  transfer restore-transfer fetch-restore
  [ -n "$TO" ] && [ -n "$FROM" ] && check save-restore OK "$r; vif-0 reconnected ($row); 32 MiB each way intact" \
    || check save-restore FAIL "$r; vif-0 reconnected ($row) but a transfer failed"
else
  fe=$(xenstore-read device/vif/0/state 2>&1); be=$(xenstore-read device/vif/0/backend 2>&1)
  bes=$(xenstore-read "$be/state" 2>&1)
  kern=$(dmesg | grep -E "kernel BUG|RIP:|suspending xenstore" | head -3 | tr '\n' ';')
  log=$(tail -n +$((L0 + 1)) $K/data/log/karaf.log | grep -E "XenBus device vif-0|vif-0: close" | cut -d'|' -f3- \
    | cut -c1-240 | tr '\n' ';')
  evidence="$r; domid $olddomid -> $newdomid; frontend device/vif/0 state $fe, backend $be (was $oldbackend) state $bes; domU kernel: ${kern:-nothing}; karaf.log since the save: ${log:-nothing}"
  # The known limitation (docs/realxen.md), and only it: xenpv's bus followed the restore (vif-0 withdrawn and
  # published again with the new backend), and the old session's event-channel unbind hit the kernel's BUG_ON.
  if [ "$newdomid" != "$olddomid" ] && evtchn_bug && echo "$log" | grep -q "vif-0 (device/vif/0, backend $be in domain 0) added"; then
    check save-restore KNOWN-LIMIT "XenBus followed the restore, Linux's evtchn device cannot release the old session's ports: $evidence"
  else check save-restore FAIL "$evidence"; fi
fi
touch /tmp/stop-addressing

# After the evtchn BUG the JVM's threads that touch /dev/xen/evtchn never return: it cannot stop, and the
# domain is powered off with it.
if evtchn_bug; then echo "DOMU-KARAF Karaf left running: its event-channel device is wedged by the kernel BUG"
else
  timeout -k 10 120 $K/bin/stop
  i=0; while pgrep -f org.apache.karaf.main.Main >/dev/null && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done
  left=$(pgrep -f org.apache.karaf.main.Main) && { kill -9 $left; echo "DOMU-KARAF Karaf did not stop within 60 s: killed $left"; }
fi
errors=$(head -n $L0 $K/data/log/karaf.log | grep -c "| ERROR |")
[ "$errors" = 0 ] && check karaf-log OK "no ERROR in Karaf's log up to the save" \
  || check karaf-log FAIL "$errors ERROR lines in Karaf's log: $(head -n $L0 $K/data/log/karaf.log | grep "| ERROR |" | head -3)"
grep -A3 "| ERROR |" $K/data/log/karaf.log | head -40
