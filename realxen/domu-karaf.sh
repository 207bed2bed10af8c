#!/bin/sh
# In the domU, inside its disk: xenpv's Karaf distribution as the guest image deploys it (/opt/xenpv),
# started as a service would start it, and driven through its console (bin/client) the way a user
# would. Steps that need dom0 (pinging the guest, xl network-attach/-detach) are asked for through
# this domain's data/xenpv/<step>-request keys; dom0 answers in data/xenpv/<step>-result.
export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 PATH=/usr/sbin:/usr/bin:/sbin:/bin
# The disk is read-only: Karaf runs from a copy in tmpfs. Interpreting less and sharing nothing
# keeps start-up bearable under QEMU's software emulation.
export JAVA_MAX_MEM=256M EXTRA_JAVA_OPTS="-XX:TieredStopAtLevel=1 -Xshare:off"
K=/tmp/karaf
now(){ cut -d' ' -f1 /proc/uptime; }
check(){ echo "XENPV-CHECK $1 $2 $3"; }
console(){ # the commands on stdin, through Karaf's own client; output to stdout, a copy on the console
  $K/bin/client -u karaf -p karaf -r 30 -d 5 -b 2>&1 | sed '/JAVA_HOME not set/d' | tee /dev/stderr; }
ask_dom0(){ # $1: the step; prints dom0's answer, or a timeout
  xenstore-write data/xenpv/$1-request 1
  i=0; while ! xenstore-read data/xenpv/$1-result >/dev/null 2>&1 && [ $i -lt 180 ]; do sleep 1; i=$((i+1)); done
  xenstore-read data/xenpv/$1-result 2>/dev/null || echo "dom0 did not answer $1 within 180 s"; }
vif_row(){ # $1: device; its netfront:list row, or nothing
  echo "netfront:list --no-format" | console | grep "^$1[[:space:]]"; }
await_vif(){ # $1: device, $2: ACTIVE or gone; waits up to 300 s
  i=0; while [ $i -lt 60 ]; do
    row=$(vif_row $1)
    case "$2" in ACTIVE) echo "$row" | grep -q "ACTIVE" && { echo "$row"; return 0; } ;;
                 gone) [ -z "$row" ] && return 0 ;; esac
    sleep 5; i=$((i+1)); done
  echo "$row"; return 1; }

cp -a /opt/xenpv $K
T0=$(now); echo "DOMU-KARAF starting xenpv's Karaf at ${T0}s"
$K/bin/start
row=$(await_vif vif-0 ACTIVE); rc=$?
echo "DOMU-KARAF Karaf up and vif-0 ACTIVE after $(awk "BEGIN{print $(now) - $T0}") s"
features=$(echo "$row" | awk '{print $NF}')
[ $rc = 0 ] && echo "$features" | grep -q multi-queue && echo "$features" | grep -q split-event-channels
[ $? = 0 ] && check karaf-netfront-list OK "$row" || check karaf-netfront-list FAIL "vif-0: ${row:-no row}"

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

# Stopping netfront closes the vif and hands it back as the toolstack made it: frontend Initialising
# (1), backend InitWait (2), ready for another frontend.
echo "bundle:stop $id" | console
backend=$(xenstore-read device/vif/0/backend)
i=0; while [ "$(xenstore-read $backend/state)" != 2 ] && [ $i -lt 30 ]; do sleep 1; i=$((i+1)); done
fs=$(xenstore-read device/vif/0/state); bs=$(xenstore-read $backend/state)
[ "$fs" = 1 ] && [ "$bs" = 2 ] && check netfront-stopped OK "frontend Initialising (1), backend InitWait (2)" \
  || check netfront-stopped FAIL "frontend state $fs, backend state $bs"
$K/bin/stop
i=0; while pgrep -f org.apache.karaf.main.Main >/dev/null && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done
errors=$(grep -c "| ERROR |" $K/data/log/karaf.log)
[ "$errors" = 0 ] && check karaf-log OK "Karaf stopped; no ERROR in its log" \
  || check karaf-log FAIL "$errors ERROR lines in Karaf's log: $(grep "| ERROR |" $K/data/log/karaf.log | head -3)"
grep -A3 "| ERROR |" $K/data/log/karaf.log | head -40
