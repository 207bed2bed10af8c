#!/bin/bash
# The end-to-end test (issue 12): xenpv carries real traffic between two real Linux network stacks,
# no Xen needed. xenpv's Karaf distribution runs the simulator with host interfaces: the simulated
# netback's vif1.0 is a TAP interface of this machine's kernel, and the TAP stack (xenpv-stack-tap)
# gives the guest's Nic vif-0 a TAP interface of its own. One network namespace gets vif1.0 (the
# "dom0" side), another the TAP stack's interface (the "guest" side); the path between them is
#   kernel (guest ns) -> TAP stack -> netfront -> simulated netback -> vif1.0 -> kernel (dom0 ns)
# and back. Over it: ping (IPv4 both ways, IPv6 link-local), a 64 MiB HTTP download each way checked
# by SHA-256, iperf3 each way beside a plain veth pair (the kernel's own baseline), a capture read
# back with tshark, and bundle:update of netfront during iperf3 runs both ways and a rate-limited download,
# every frame accounted for; then the in-JVM stack (lwIP) with xenpv-http, a download across
# bundle:update of netfront included.
#
# Needs root. Prints PASS <step> or FAIL <step>: why for each step and a figures table, writes the
# table to e2e/target/figures.md, exits non-zero when any step failed or never reported. Everything it
# makes (namespaces, veths, servers, the Karaf JVM, its temp dir) is removed on exit, whatever happens.
# Run after the build: mvn -B -ntp install -DskipTests && sudo e2e/run.sh
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "e2e: needs root (network namespaces, TAP interfaces, installing packages)" >&2; exit 2
fi
OUT=$PWD/e2e/target; mkdir -p "$OUT"
LOG=$OUT/e2e.log; : > "$LOG"
BUDGET=${XENPV_E2E_BUDGET:-330}   # seconds; then the watchdog ends the run (cleanup takes up to a minute more)
T0=$SECONDS

STEPS=(tools karaf host-interface tap-interface namespaces ping-ipv4 ping-ipv6-link-local
       http-guest-downloads http-dom0-downloads iperf-xenpv-guest-to-dom0 iperf-xenpv-dom0-to-guest
       iperf-veth-guest-to-dom0 iperf-veth-dom0-to-guest capture bundle-update http-across-update
       frame-accounting lwip-stack lwip-ping-ipv4 lwip-ping-ipv6-link-local lwip-http-download
       lwip-http-concurrent lwip-http-handler lwip-http-across-update lwip-to-tap tap-to-lwip karaf-log cleanup)
declare -A RESULT=()
pass(){ [ -n "${RESULT[$1]:-}" ] && return; RESULT[$1]=PASS; echo "PASS $1"; echo "PASS $1" >> "$LOG"; }
fail(){ [ -n "${RESULT[$1]:-}" ] && return; RESULT[$1]=FAIL; echo "FAIL $1: $2"; echo "FAIL $1: $2" >> "$LOG"; }
note(){ echo "  $*"; echo "  $*" >> "$LOG"; }
log(){ echo "$*" >> "$LOG"; }
has(){ grep "$@" > /dev/null; }   # grep -q after a pipe, but reading to the end (no SIGPIPE under pipefail)
abort(){ note "stopping here: $*"; exit 1; }   # the steps not reported yet fail as never reported

# Names unique to this run; a killed earlier run's leftovers are recognised by the prefix.
PREFIX=xpve2e
NS_DOM0=$PREFIX-$$-dom0 NS_GUEST=$PREFIX-$$-guest NS_VDOM0=$PREFIX-$$-vdom0 NS_VGUEST=$PREFIX-$$-vguest
TAP=xenpv$$                       # the TAP stack's interface (at most 15 characters)
HOSTIF=vif1.0 HOSTIF2=vif1.1      # the simulated backend's interfaces: vif<guestDomid>.<devid>
A_DOM0=192.0.2.1 A_GUEST=192.0.2.2 A_VDOM0=192.0.2.11 A_VGUEST=192.0.2.12   # TEST-NET-1 only
TMP= K= KARAF_PID= PIDS=() NAMESPACES=() WATCHDOG=
declare -A GBITS=() IFINDEX=() MBITS=() ACROSS=()
java_home(){ # Karaf's scripts want JAVA_HOME
  if [ ! -x "${JAVA_HOME:-/nonexistent}/bin/java" ] && command -v java >/dev/null; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  fi
  export JAVA_HOME=${JAVA_HOME:-}; }
java_home

alive_run(){ tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline" | has "e2e/run.sh"; }
ns_kill_all(){ # the processes this harness started in namespace $1
  local p; for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done; }
stop_karaf(){ # $1: the distribution, $2: its JVM's pid
  [ -n "$2" ] || return 0
  kill -0 "$2" 2>/dev/null && timeout 20 "$1/bin/stop" >> "$LOG" 2>&1
  local i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.5; i=$((i + 1)); done
  if kill -0 "$2" 2>/dev/null; then log "Karaf (pid $2) did not stop within 20 s: killed"; kill -9 "$2"; sleep 1; fi; }

cleanup(){
  local rc=$? ns p left=()
  trap - EXIT; trap '' TERM INT; trap 'exec >> "$LOG" 2>&1' PIPE HUP   # nothing stops the cleanup
  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
  if [ -n "$KARAF_PID" ]; then
    stop_karaf "$K" "$KARAF_PID"
    [ -f "$K/data/log/karaf.log" ] && cp "$K/data/log/karaf.log" "$OUT/karaf.log"
    errors=$(grep -c "| ERROR |" "$K/data/log/karaf.log" 2>/dev/null)
    if [ "${errors:-0}" = 0 ]; then pass karaf-log
    else fail karaf-log "$errors ERROR lines in Karaf's log (e2e/target/karaf.log): $(grep -m 1 "| ERROR |" "$K/data/log/karaf.log" | cut -c 1-300)"; fi
  fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  # xenpv's interfaces go with its JVM (a TAP interface goes with the file that made it): one still
  # here is left over, in the test's namespaces, or in the root namespace (there, vif1.x only if it
  # still has the index this run's had: the names are not the run's own, another simulator may use them).
  for ns in "${NAMESPACES[@]}"; do
    for p in "$HOSTIF" "$HOSTIF2" "$TAP"; do
      ip -n "$ns" link show dev "$p" >/dev/null 2>&1 && { left+=("interface $p in $ns"); ip -n "$ns" link del dev "$p"; }
    done
  done
  ip link show dev "$TAP" >/dev/null 2>&1 && { left+=("interface $TAP"); ip link del dev "$TAP"; }
  for p in "$HOSTIF" "$HOSTIF2"; do
    [ -n "${IFINDEX[$p]:-}" ] && [ "$(ip -o link show dev "$p" 2>/dev/null | cut -d: -f1)" = "${IFINDEX[$p]}" ] \
      && { left+=("interface $p"); ip link del dev "$p"; }
  done
  for ns in "${NAMESPACES[@]}"; do ns_kill_all "$ns"; ip netns del "$ns" 2>/dev/null; done
  for ns in "${NAMESPACES[@]}"; do ip netns list | has "^$ns\b" && left+=("namespace $ns"); done
  [ -n "$KARAF_PID" ] && kill -0 "$KARAF_PID" 2>/dev/null && left+=("Karaf JVM $KARAF_PID")
  [ -n "$TMP" ] && rm -rf "$TMP"
  [ ${#left[@]} -eq 0 ] && pass cleanup || fail cleanup "left behind (now removed where possible): ${left[*]}"

  local failed=()
  for s in "${STEPS[@]}"; do
    [ -z "${RESULT[$s]:-}" ] && fail "$s" "never reported"
    [ "${RESULT[$s]}" = PASS ] || failed+=("$s")
  done
  figures
  if [ ${#failed[@]} -eq 0 ] && [ $rc -eq 0 ]; then echo "e2e: PASS (${#STEPS[@]} steps in $((SECONDS - T0)) s)"; exit 0; fi
  echo "e2e: FAIL (${failed[*]:-exit status $rc}; $((SECONDS - T0)) s; details in e2e/target/e2e.log)"; exit 1
}
figures(){ # the throughput table, printed and written to e2e/target/figures.md
  {
    echo "| direction | xenpv Gbit/s | veth Gbit/s | ratio xenpv/veth |"
    echo "| --- | ---: | ---: | ---: |"
    for d in guest-to-dom0 dom0-to-guest; do
      x=${GBITS[xenpv-$d]:-} v=${GBITS[veth-$d]:-}
      r=$( [ -n "$x" ] && [ -n "$v" ] && awk -v x="$x" -v v="$v" 'BEGIN { if (v > 0) printf "%.3f", x / v; else print "-" }' || echo -)
      echo "| ${d//-/ } | ${x:--} | ${v:--} | $r |"
    done
    echo
    echo "| 16 MiB HTTP download by dom0's curl from the guest, over vif-0 | Mbit/s |"
    echo "| --- | ---: |"
    echo "| xenpv-http on the in-JVM stack (lwIP) | ${MBITS[lwip]:--} |"
    echo "| busybox httpd on the guest kernel, through the TAP stack | ${MBITS[tap]:--} |"
    echo "| xenpv-http on lwIP again, after the TAP stack (a fresh bundle) | ${MBITS[lwip-again]:--} |"
    echo
    echo "| 16 MiB at 2 MiB/s by dom0's curl, bundle:update of netfront in the middle | bytes | total s | longest stall s (at byte) |"
    echo "| --- | ---: | ---: | ---: |"
    echo "| busybox httpd on the guest kernel, through the TAP stack | ${ACROSS[tap]:-- | - | -} |"
    echo "| xenpv-http on the in-JVM stack (lwIP) | ${ACROSS[lwip]:-- | - | -} |"
  } > "$OUT/figures.md"
  echo "Figures (iperf3 TCP, 10 s each; curl of 16 MiB; curl across an update; also in e2e/target/figures.md):"
  cat "$OUT/figures.md"
}
trap cleanup EXIT
trap 'note "the run exceeded its budget of $BUDGET s, or was interrupted"; exit 1' TERM INT
trap 'exec >> "$LOG" 2>&1; note "the output went away"; exit 1' PIPE HUP   # cleanup still runs, into the log
# The watchdog: ends the run (through the traps above, so cleanup still happens) once the budget is
# spent; it ends itself when the run is gone.
# The programs running in the test's namespaces are ended too, so that the run need not wait for the
# one in the foreground to time out.
( for ((i = 0; i < BUDGET; i++)); do sleep 1; kill -0 $$ 2>/dev/null || exit 0; done; kill -TERM $$
  for ns in $(ip netns list | awk '{print $1}' | grep "^$PREFIX-$$-"); do ns_kill_all "$ns"; done ) & WATCHDOG=$!

# A killed earlier run left its Karaf, namespaces or temp dir: remove them first.
for d in "${TMPDIR:-/tmp}"/xenpv-e2e.*; do
  [ -d "$d" ] && [ -r "$d/run.pid" ] || continue
  alive_run "$(cat "$d/run.pid")" && continue
  p=$(cat "$d/karaf/karaf.pid" 2>/dev/null)
  if [ -n "$p" ] && tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | has "$d/karaf"; then
    echo "e2e: stopping the Karaf a killed earlier run left (pid $p)"; stop_karaf "$d/karaf" "$p"
  fi
  rm -rf "$d"
done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX-[0-9]*-"); do
  p=${ns#$PREFIX-}; p=${p%%-*}
  alive_run "$p" && continue
  echo "e2e: removing namespace $ns left by a killed earlier run"; ns_kill_all "$ns"; ip netns del "$ns"
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/xenpv-e2e.XXXXXX"); echo $$ > "$TMP/run.pid"; K=$TMP/karaf

until_true(){ # $1: seconds, then a command: runs it every half second until it succeeds or time is up
  local end=$((SECONDS + $1)); shift
  while ! "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.5; done; }
in_ns(){ local ns=$1; shift; ip netns exec "$ns" "$@"; }

### tools: what the test needs, installed when missing
declare -A PKG=([ip]=iproute2 [ss]=iproute2 [iperf3]=iperf3 [curl]=curl [tshark]=tshark [busybox]=busybox
                [ping]=iputils-ping [java]=openjdk-17-jre-headless)
[ -x "${JAVA_HOME:-/nonexistent}/bin/java" ] && unset 'PKG[java]'
need=(); for c in "${!PKG[@]}"; do command -v "$c" >/dev/null || need+=("${PKG[$c]}"); done
if [ ${#need[@]} -gt 0 ]; then
  need=($(printf '%s\n' "${need[@]}" | sort -u))
  echo "e2e: installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get -o DPkg::Lock::Timeout=300 install -y -q "${need[@]}" || { apt-get update -q && apt-get -o DPkg::Lock::Timeout=300 install -y -q "${need[@]}"; }; } >> "$LOG" 2>&1
fi
missing=(); for c in "${!PKG[@]}"; do command -v "$c" >/dev/null || missing+=("$c"); done
dist=$(ls -t karaf-assembly/target/xenpv-karaf-*.tar.gz 2>/dev/null | head -n 1)
if [ ${#missing[@]} -gt 0 ]; then fail tools "missing after apt-get install: ${missing[*]} (see e2e/target/e2e.log)"
elif [ ! -c /dev/net/tun ]; then fail tools "no /dev/net/tun"
elif [ -z "$dist" ]; then fail tools "no distribution in karaf-assembly/target: build it first (mvn -B -ntp install -DskipTests)"
else note "distribution: $dist (built $(date -r "$dist" '+%F %T'))"; pass tools; fi
[ "${RESULT[tools]}" = PASS ] || abort "tools missing"
java_home

### karaf: a fresh copy of the distribution, the simulator with host interfaces, the TAP stack for vif-0
for p in "$HOSTIF" "$HOSTIF2" "$TAP"; do
  ip link show dev "$p" >/dev/null 2>&1 && { fail karaf "interface $p already exists in the root namespace (another xenpv simulator with host interfaces running?)"; abort "$p exists"; }
done
free_port(){ local p; while :; do p=$((20000 + RANDOM % 40000)); ss -Htln "sport = :$p" | has . || { echo $p; return; }; done; }
SSH_PORT=$(free_port) RMI_REGISTRY_PORT=$(free_port) RMI_SERVER_PORT=$(free_port)
mkdir -p "$K" && tar xzf "$dist" -C "$K" --strip-components=1
# The distribution ships no password: this copy gets the test's own user before its first start.
SECRET=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf 'karaf = %s,_g_:admingroup\n' "$SECRET" >> "$K/etc/users.properties"
sed -i "s/^sshPort *=.*/sshPort = $SSH_PORT/" "$K/etc/org.apache.karaf.shell.cfg"
sed -i "s/^rmiRegistryPort *=.*/rmiRegistryPort = $RMI_REGISTRY_PORT/; s/^rmiServerPort *=.*/rmiServerPort = $RMI_SERVER_PORT/" \
  "$K/etc/org.apache.karaf.management.cfg"
SIMCFG=$K/etc/org.xenpv.sim.internal.Simulator.cfg
if grep -q '^hostInterfaces' "$SIMCFG"; then sed -i 's/^hostInterfaces *=.*/hostInterfaces = true/' "$SIMCFG"
else printf '\nhostInterfaces = true\n' >> "$SIMCFG"; fi
printf 'nic.target = (nic.device=vif-0)\ninterface = %s\n' "$TAP" > "$K/etc/org.xenpv.stack.tap-e2e.cfg"

console(){ # the commands on stdin, through Karaf's own client; the answer on stdout and in the log.
  # Fails when the client fails or the console reports an error.
  local in out rc; in=$(cat); log "karaf> $in"
  out=$(printf '%s\n' "$in" | timeout 45 "$K/bin/client" -a "$SSH_PORT" -u karaf -p "$SECRET" -b 2>&1); rc=$?
  out=$(printf '%s\n' "$out" | sed '/JAVA_HOME not set/d; s/\x1b\[[0-9;]*m//g'); log "$out"; printf '%s\n' "$out"
  [ $rc -eq 0 ] && ! printf '%s\n' "$out" | has "Error executing command\|Command not found"; }
kc(){ echo "$*" | console; }
vif0_active(){ kc "netfront:list --no-format" | has "^vif-0[[:space:]].*ACTIVE"; }

"$K/bin/start" >> "$LOG" 2>&1
until_true 10 test -s "$K/karaf.pid" && KARAF_PID=$(cat "$K/karaf.pid")
[ -n "$KARAF_PID" ] || { fail karaf "bin/start wrote no karaf.pid within 10 s"; abort "no Karaf"; }
if ! until_true 120 vif0_active; then fail karaf "vif-0 not ACTIVE in netfront:list within 120 s of bin/start"; abort "no Karaf"; fi
note "Karaf up with vif-0 ACTIVE after $((SECONDS - T0)) s (ssh port $SSH_PORT)"
NIC_MAC=$(kc "netfront:list --no-format" | awk '$1 == "vif-0" {print $2}')
if ! out=$(kc "feature:install xenpv-stack-tap xenpv-capture"); then
  fail karaf "feature:install xenpv-stack-tap xenpv-capture: $(echo "$out" | tail -n 3 | tr '\n' ' ')"; abort "features"
fi
pass karaf

### host-interface: the simulated backend's vif1.0 and vif1.1 in the root namespace, up, MAC fe:ff:ff:ff:ff:ff
link_line(){ ip ${2:+-n "$2"} -o link show dev "$1" 2>/dev/null; }    # $1: interface, $2: namespace or nothing
host_if_ready(){ link_line "$1" | has "<[^>]*\bUP\b[^>]*>.*link/ether fe:ff:ff:ff:ff:ff"; }
if until_true 30 host_if_ready "$HOSTIF" && until_true 5 host_if_ready "$HOSTIF2"; then
  for p in "$HOSTIF" "$HOSTIF2"; do IFINDEX[$p]=$(link_line "$p" | cut -d: -f1); done
  pass host-interface
else
  fail host-interface "no $HOSTIF and $HOSTIF2 up with MAC fe:ff:ff:ff:ff:ff in the root namespace within 30 s: $(link_line "$HOSTIF") $(link_line "$HOSTIF2")"
fi

### tap-interface: the TAP stack's interface for vif-0, in the root namespace, down, with the Nic's MAC
tap_ready(){ # $1: namespace or nothing
  local l; l=$(link_line "$TAP" "$1"); [ -n "$l" ] && echo "$l" | has "link/ether $NIC_MAC " \
    && ! echo "$l" | has "<[^>]*\bUP\b[^>]*>"; }
if until_true 30 tap_ready ""; then
  TAP_MTU=$(link_line "$TAP" | sed 's/.* mtu \([0-9]*\) .*/\1/')
  if kc "tap:list" | has "$TAP"; then note "$TAP: MAC $NIC_MAC (vif-0's), MTU $TAP_MTU, down"; pass tap-interface
  else fail tap-interface "tap:list does not show $TAP"; fi
else
  fail tap-interface "no $TAP, down with vif-0's MAC $NIC_MAC, in the root namespace within 30 s of feature:install: $(link_line "$TAP")"
fi
[ "${RESULT[host-interface]}" = PASS ] && [ "${RESULT[tap-interface]}" = PASS ] || abort "no path to test"

### namespaces: vif1.0 in the dom0 namespace, the TAP stack's interface in the guest namespace, addressed, up;
### vif1.1 (unused) into the dom0 namespace too, down, so that nothing of the test's stays in the root namespace
for ns in "$NS_DOM0" "$NS_GUEST" "$NS_VDOM0" "$NS_VGUEST"; do ip netns add "$ns" && NAMESPACES+=("$ns"); done
place(){ # $1: interface, $2: namespace, $3: IPv4 address. Moves it in (from the root namespace), addresses it, brings it up.
  ip link set dev "$1" netns "$2" || return 1
  # No duplicate address detection and no router solicitations: the link-local address is usable
  # at once, and nothing is sent after the first moments but the test's own traffic.
  in_ns "$2" sh -c "for k in disable_ipv6=0 accept_dad=0 router_solicitations=0; do
                      echo \${k#*=} > /proc/sys/net/ipv6/conf/$1/\${k%=*}; done" || return 1
  ip -n "$2" link set dev lo up && ip -n "$2" addr add "$3/24" dev "$1" && ip -n "$2" link set dev "$1" up; }
carrier(){ link_line "$1" "$2" | has "LOWER_UP"; }
ll_addr(){ ip -n "$2" -6 -o addr show dev "$1" scope link 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n 1; }
ll_ready(){ [ -n "$(ll_addr "$1" "$2")" ] && ! ip -n "$2" -6 -o addr show dev "$1" scope link | has tentative; }
if [ ${#NAMESPACES[@]} -ne 4 ]; then fail namespaces "ip netns add failed"
elif ! place "$HOSTIF" "$NS_DOM0" "$A_DOM0"; then fail namespaces "could not move $HOSTIF into $NS_DOM0 and set it up"
elif ! place "$TAP" "$NS_GUEST" "$A_GUEST"; then fail namespaces "could not move $TAP into $NS_GUEST and set it up"
elif ! ip link set dev "$HOSTIF2" netns "$NS_DOM0"; then fail namespaces "could not move $HOSTIF2 into $NS_DOM0"
elif ! until_true 10 carrier "$HOSTIF" "$NS_DOM0" || ! until_true 10 carrier "$TAP" "$NS_GUEST"; then
  fail namespaces "no carrier within 10 s: $(link_line "$HOSTIF" "$NS_DOM0"); $(link_line "$TAP" "$NS_GUEST")"
else
  pass namespaces
fi
[ "${RESULT[namespaces]}" = PASS ] || abort "no path to test"
# The kernel's baseline: a veth pair between two namespaces of its own.
ip -n "$NS_VDOM0" link add veth0 type veth peer name veth1 netns "$NS_VGUEST" \
  && ip -n "$NS_VDOM0" addr add $A_VDOM0/24 dev veth0 && ip -n "$NS_VGUEST" addr add $A_VGUEST/24 dev veth1 \
  && ip -n "$NS_VDOM0" link set veth0 up && ip -n "$NS_VGUEST" link set veth1 up \
  || note "setting up the veth pair failed"

### ping-ipv4 both ways, ping-ipv6-link-local both ways
ping_ok(){ # $1: namespace, then ping's arguments; every echo answered
  local out; out=$(timeout 15 ip netns exec "$1" ping -c 3 -i 0.2 -W 3 "${@:2}" 2>&1); log "$out"
  echo "$out" | has " 0% packet loss" || { echo "$out" | grep "packet loss\|ping:" | head -n 1; return 1; }; }
if r1=$(ping_ok "$NS_GUEST" "$A_DOM0") && r2=$(ping_ok "$NS_DOM0" "$A_GUEST"); then pass ping-ipv4
else fail ping-ipv4 "guest -> dom0: ${r1:-ok}; dom0 -> guest: ${r2:-not tried}"; fi
r1= r2=
if until_true 5 ll_ready "$HOSTIF" "$NS_DOM0" && until_true 5 ll_ready "$TAP" "$NS_GUEST"; then
  LL_DOM0=$(ll_addr "$HOSTIF" "$NS_DOM0") LL_GUEST=$(ll_addr "$TAP" "$NS_GUEST")
  if r1=$(ping_ok "$NS_GUEST" -6 "$LL_DOM0%$TAP") && r2=$(ping_ok "$NS_DOM0" -6 "$LL_GUEST%$HOSTIF"); then
    note "$LL_GUEST ($TAP) <-> $LL_DOM0 ($HOSTIF)"; pass ping-ipv6-link-local
  else fail ping-ipv6-link-local "guest -> $LL_DOM0: ${r1:-ok}; dom0 -> $LL_GUEST: ${r2:-not tried}"; fi
else
  fail ping-ipv6-link-local "no usable link-local address within 5 s: $(ll_addr "$HOSTIF" "$NS_DOM0") $(ll_addr "$TAP" "$NS_GUEST")"
fi

### HTTP: a 64 MiB file each way, served by busybox httpd in one namespace, fetched by curl in the other
serve_http(){ # $1: namespace, $2: address, $3: directory
  ip netns exec "$1" busybox httpd -f -p "$2:8080" -h "$3" >> "$LOG" 2>&1 & PIDS+=($!)
  until_true 5 sh -c "ip netns exec '$1' ss -Htln 'sport = :8080' | grep -q ."; }
mkdir -p "$TMP/www-dom0" "$TMP/www-guest"
head -c 64M /dev/urandom > "$TMP/www-dom0/blob" && head -c 64M /dev/urandom > "$TMP/www-guest/blob"
head -c 4M /dev/urandom > "$TMP/www-dom0/small" && head -c 16M /dev/urandom > "$TMP/www-guest/slow16"
serve_http "$NS_DOM0" $A_DOM0 "$TMP/www-dom0" || note "busybox httpd did not listen on $A_DOM0:8080 within 5 s"
serve_http "$NS_GUEST" $A_GUEST "$TMP/www-guest" || note "busybox httpd did not listen on $A_GUEST:8080 within 5 s"
download(){ # $1: step, $2: client namespace, $3: server address, $4: served file
  local got=$TMP/got-$1 out want have
  out=$(timeout 70 ip netns exec "$2" curl -sS --fail --max-time 60 -o "$got" \
        -w '%{size_download} bytes in %{time_total} s, %{speed_download} bytes/s' "http://$3:8080/blob" 2>&1)
  local rc=$?; log "curl: $out"
  if [ $rc -ne 0 ]; then fail "$1" "curl http://$3:8080/blob (exit $rc): $out"; return; fi
  want=$(sha256sum < "$4" | cut -c 1-64) have=$(sha256sum < "$got" | cut -c 1-64); rm -f "$got"
  if [ "$want" = "$have" ]; then note "$out; SHA-256 ${want:0:16}... equal"; pass "$1"
  else fail "$1" "SHA-256 differs: served ${want:0:16}..., received ${have:0:16}... ($out)"; fi; }
download http-guest-downloads "$NS_GUEST" $A_DOM0 "$TMP/www-dom0/blob"
download http-dom0-downloads "$NS_DOM0" $A_GUEST "$TMP/www-guest/blob"

### iperf3: 10 s of TCP each way over xenpv, then over the veth pair
ip netns exec "$NS_DOM0" iperf3 -s -B $A_DOM0 >> "$LOG" 2>&1 & PIDS+=($!)
ip netns exec "$NS_DOM0" iperf3 -s -B $A_DOM0 -p 5202 >> "$LOG" 2>&1 & PIDS+=($!)   # for bundle-update
ip netns exec "$NS_VDOM0" iperf3 -s -B $A_VDOM0 >> "$LOG" 2>&1 & PIDS+=($!)
until_true 5 sh -c "ip netns exec '$NS_DOM0' ss -Htln 'sport = :5201' | grep -q ." || note "iperf3 -s did not listen in $NS_DOM0 within 5 s"
until_true 5 sh -c "ip netns exec '$NS_VDOM0' ss -Htln 'sport = :5201' | grep -q ." || note "iperf3 -s did not listen in $NS_VDOM0 within 5 s"
iperf(){ # $1: path (xenpv or veth), $2: direction; 10 s of TCP, the receiver's rate in Gbit/s recorded
  local ns server rev= out g
  [ "$1" = xenpv ] && ns=$NS_GUEST server=$A_DOM0 || ns=$NS_VGUEST server=$A_VDOM0
  [ "$2" = dom0-to-guest ] && rev=-R
  out=$(timeout 30 ip netns exec "$ns" iperf3 -c "$server" $rev -t 10 -f g --connect-timeout 5000 2>&1); local rc=$?
  log "$out"
  g=$(echo "$out" | awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' | tail -n 1)
  if [ $rc -eq 0 ] && [ -n "$g" ]; then
    GBITS[$1-$2]=$g; note "$1, $2: $g Gbit/s ($(echo "$out" | awk '/sender/ { print $(NF - 1) " retransmissions" }' | tail -n 1))"
    pass "iperf-$1-$2"
  else fail "iperf-$1-$2" "iperf3 (exit $rc): $(echo "$out" | grep -i "error\|unable" | head -n 1)"; fi; }
iperf xenpv guest-to-dom0; iperf xenpv dom0-to-guest
iperf veth guest-to-dom0; iperf veth dom0-to-guest

### capture: vif-0's frames during a 4 MiB HTTP download and a few pings, read back with tshark
CAP=$TMP/vif-0.pcapng
capture_check(){
  local out frames dropped n syn lost exported
  out=$(kc "capture:start vif-0 $CAP") || { fail capture "capture:start: $out"; return; }
  ping_ok "$NS_GUEST" $A_DOM0 >/dev/null
  out=$(timeout 60 ip netns exec "$NS_GUEST" curl -sS --fail --max-time 50 -o /dev/null "http://$A_DOM0:8080/small" 2>&1) \
    || { kc "capture:stop vif-0" >/dev/null; fail capture "curl during the capture: $out"; return; }
  out=$(kc "capture:stop vif-0") || { fail capture "capture:stop: $out"; return; }
  # "vif-0: <state>, N frames (B bytes) written to F, D dropped"
  frames=$(echo "$out" | sed -n 's/.*, \([0-9]*\) frames (.*/\1/p') dropped=$(echo "$out" | sed -n 's/.*, \([0-9]*\) dropped.*/\1/p')
  [ -n "$frames" ] && [ -s "$CAP" ] || { fail capture "no frame count in capture:stop's answer, or no file: $out"; return; }
  n=$(tshark -r "$CAP" -T fields -e frame.number 2>>"$LOG" | wc -l)
  syn=$(tshark -r "$CAP" -Y "(ip.src == $A_GUEST && tcp.dstport == 8080 && tcp.flags.syn == 1 && tcp.flags.ack == 0)
          || (ip.src == $A_DOM0 && tcp.srcport == 8080 && tcp.flags.syn == 1 && tcp.flags.ack == 1)" \
        -T fields -e frame.number 2>>"$LOG" | wc -l)
  lost=$(tshark -r "$CAP" -Y "tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment" -T fields -e frame.number 2>>"$LOG" | wc -l)
  mkdir -p "$TMP/exported"; tshark -r "$CAP" -q --export-objects "http,$TMP/exported" >> "$LOG" 2>&1
  exported=$(sha256sum < "$TMP/exported/small" 2>/dev/null | cut -c 1-64)
  if [ "$n" != "$frames" ]; then fail capture "tshark reads $n frames, capture:stop says $frames written"
  elif [ "$dropped" != 0 ]; then fail capture "the capture dropped $dropped frames of a 4 MiB download"
  elif [ "$syn" -ne 2 ]; then fail capture "not one SYN from the guest and one SYN-ACK from dom0 for the HTTP connection in the capture, but $syn"
  elif [ "$lost" != 0 ]; then fail capture "tshark sees $lost segments missing from the TCP stream"
  elif [ "$exported" != "$(sha256sum < "$TMP/www-dom0/small" | cut -c 1-64)" ]; then
    fail capture "the HTTP object tshark reassembled from the TCP stream differs from the served file"
  else note "$frames frames, none dropped; the 4 MiB HTTP body reassembled by tshark from the TCP stream is the served file"; pass capture; fi; }
capture_check

### A download across netfront's update: dom0's curl fetches 16 MiB from the guest's address at 2 MiB/s
### (--limit-rate), so that bundle:update lands in the middle of it. curl limits how fast it reads, not
### what the kernel takes for it: the dom0 namespace's TCP receive buffers are capped at 128 KiB until
### bundle:update has returned (its default lets the kernel take megabytes ahead of curl), so that the bytes
### on the wire keep pace with curl. The size of what curl has written is sampled every 0.2 s: the longest
### time it did not grow is the stall. The check proves nothing if curl had ended before bundle:update
### returned: then it fails.
RMEM_DOM0=
slow_fetch_start(){ # $1: name, $2: URL; curl and the sampler run in the background
  local got=$TMP/slow-$1; rm -f "$got" "$got.rc"
  RMEM_DOM0=$(ip netns exec "$NS_DOM0" sysctl -n net.ipv4.tcp_rmem)
  ip netns exec "$NS_DOM0" sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072"
  ( timeout 100 ip netns exec "$NS_DOM0" curl -sS --fail --max-time 90 --limit-rate 2M -o "$got" \
      -w '%{size_download} %{time_total}' "$2" > "$got.out" 2>&1; echo $? > "$got.rc" ) & SLOW_PIDS[$1]=$!
  ( for ((i = 0; i < 600; i++)); do [ -e "$got.rc" ] && break
      echo "$(date +%s.%N) $(stat -c %s "$got" 2>/dev/null || echo 0)"; sleep 0.2; done > "$got.sizes" ) & SAMPLER_PIDS[$1]=$!
  PIDS+=("${SLOW_PIDS[$1]}" "${SAMPLER_PIDS[$1]}"); }
SLOW_ERR=
slow_fetch_end(){ # $1: name, $2: served file. Waits for curl; true when what it got is the file, else SLOW_ERR says why
  local got=$TMP/slow-$1 rc out want have stall
  wait "${SLOW_PIDS[$1]}"; wait "${SAMPLER_PIDS[$1]}"
  rc=$(cat "$got.rc" 2>/dev/null) out=$(cat "$got.out" 2>/dev/null); log "curl across the update ($1): exit $rc, $out"
  stall=$(awk 'NR == 1 || $2 != size { changed = $1; size = $2; next }
               $1 - changed > max { max = $1 - changed; at = size }
               END { printf "%.1f | %d", max, at }' "$got.sizes")
  have=$(stat -c %s "$got" 2>/dev/null || echo 0)
  ACROSS[$1]="$have | $(echo "$out" | awk '{ printf "%.1f", $2 }') | ${stall% |*} (${stall#*| })"
  note "$1: ${have} bytes in $(echo "$out" | awk '{ printf "%.1f", $2 }') s; longest stall ${stall% |*} s, at byte ${stall#*| }"
  [ "$rc" = 0 ] || { SLOW_ERR="curl across bundle:update (exit $rc): $out; $have bytes received"; rm -f "$got"; return 1; }
  [ -z "${SLOW_DONE_EARLY[$1]:-}" ] \
    || { SLOW_ERR="the download had ended (${SLOW_DONE_EARLY[$1]}) before bundle:update returned: it did not cross the update"; rm -f "$got"; return 1; }
  want=$(sha256sum < "$2" | cut -c 1-64) have=$(sha256sum < "$got" | cut -c 1-64); rm -f "$got"
  [ "$want" = "$have" ] || { SLOW_ERR="SHA-256 differs: served ${want:0:16}..., received ${have:0:16}..."; return 1; }
  note "$1: SHA-256 equal"; }
slow_fetch_updated(){ # $1: name; after bundle:update: notes whether the download had ended, restores the buffers
  # (the connection keeps the buffer it has: the cap mattered only while the Nic went)
  [ -e "$TMP/slow-$1.rc" ] && SLOW_DONE_EARLY[$1]="$(cat "$TMP/slow-$1.out" 2>/dev/null)"
  ip netns exec "$NS_DOM0" sysctl -qw net.ipv4.tcp_rmem="$RMEM_DOM0"; return 0; }
declare -A SLOW_PIDS=() SAMPLER_PIDS=() SLOW_DONE_EARLY=()

### bundle-update: netfront updated during two iperf3 runs, one each way, so that frames are in flight
### both ways when the Nic goes; the TAP interface comes back in the root namespace and is put back;
### each TCP connection survives, or the test runs it again (5 s) and that must pass.
### http-across-update: meanwhile dom0's curl fetches 16 MiB at 2 MiB/s from busybox httpd in the guest
### across the update; the guest kernel's TCP carries it on once the interface is back: SHA-256 equal.
update_check(){
  local out rc t=$SECONDS d name port rev how=() failed= bg=()
  for d in guest-to-dom0:5201: dom0-to-guest:5202:-R; do
    IFS=: read -r name port rev <<< "$d"
    ( timeout 30 ip netns exec "$NS_GUEST" iperf3 -c $A_DOM0 -p "$port" $rev -t 15 -f g --connect-timeout 5000 \
        > "$TMP/iperf-update-$name" 2>&1; echo $? > "$TMP/iperf-update-$name.rc" ) & bg+=($!)
  done
  sleep 2; slow_fetch_start tap "http://$A_GUEST:8080/slow16"; sleep 1
  bg+=("${SLOW_PIDS[tap]}" "${SAMPLER_PIDS[tap]}")   # waited for on the ways out below
  out=$(kc "bundle:update org.xenpv.netfront"); rc=$?; slow_fetch_updated tap
  [ $rc -eq 0 ] || { fail bundle-update "bundle:update org.xenpv.netfront: $out"; wait "${bg[@]}"; return; }
  until_true 30 sh -c "! ip -n '$NS_GUEST' link show dev '$TAP' >/dev/null 2>&1" \
    || { fail bundle-update "$TAP still in $NS_GUEST 30 s after bundle:update"; wait "${bg[@]}"; return; }
  until_true 30 tap_ready "" || { fail bundle-update "$TAP not back in the root namespace within 30 s of bundle:update"; wait "${bg[@]}"; return; }
  place "$TAP" "$NS_GUEST" "$A_GUEST" || { fail bundle-update "could not put $TAP back into $NS_GUEST"; wait "${bg[@]}"; return; }
  note "$TAP back in $NS_GUEST $((SECONDS - t)) s after the iperf3 runs started"
  if slow_fetch_end tap "$TMP/www-guest/slow16"; then pass http-across-update; else fail http-across-update "$SLOW_ERR"; fi
  wait "${bg[@]}"
  for d in guest-to-dom0:5201: dom0-to-guest:5202:-R; do
    IFS=: read -r name port rev <<< "$d"
    rc=$(cat "$TMP/iperf-update-$name.rc" 2>/dev/null); out=$(cat "$TMP/iperf-update-$name"); log "$out"
    if [ "$rc" = 0 ]; then
      how+=("$name: the connection survived ($(echo "$out" | awk '/receiver/ { print $(NF - 2), $(NF - 1) }' | tail -n 1))")
      continue
    fi
    note "$name: the iperf3 connection did not survive the update (exit $rc$( [ "$rc" = 124 ] && echo ", still running after 30 s"): $(echo "$out" | tail -n 1)); running it again"
    out=$(timeout 25 ip netns exec "$NS_GUEST" iperf3 -c $A_DOM0 -p "$port" $rev -t 5 -f g --connect-timeout 5000 2>&1); rc=$?; log "$out"
    if [ "$rc" = 0 ]; then how+=("$name: run again after the update ($(echo "$out" | awk '/receiver/ { print $(NF - 2), $(NF - 1) }' | tail -n 1))")
    else failed+="$name: iperf3 run again after the update failed (exit $rc: $(echo "$out" | tail -n 1)); "; fi
  done
  [ -z "$failed" ] || { fail bundle-update "${failed%; }"; return; }
  vif0_active || { fail bundle-update "vif-0 not ACTIVE after bundle:update"; return; }
  r1=$(ping_ok "$NS_GUEST" $A_DOM0) || { fail bundle-update "ping after bundle:update: $r1"; return; }
  note "$(printf '%s; ' "${how[@]}" | sed 's/; $//')"
  pass bundle-update; }
update_check

### frame-accounting: the counters that survive the update balance exactly once the traffic has stopped:
### the simulated netback's and its host interface's (sim:vif-list) and the kernel's of vif1.0. The
### Nic's and the TAP stack's counters start again with the updated netfront and are not used.
# sim:vif-list --no-format columns (tab-separated): Guest, Id, MAC, Backend, Queues, From guest, To guest,
# Dropped, Host interface, From host, To host, Host dropped ("N" or "N (refused a, checksum b, ...)").
counters(){ # one line: the vif's sim:vif-list row, then the kernel's counters of vif1.0
  local row k
  row=$(kc "sim:vif-list --no-format" | awk -F '\t' '{ for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i) }
        $1 == "1" && $2 == "0" { print $6, $7, $8, $10, $11, $12 }') || return 1
  k=$(ip netns exec "$NS_DOM0" sh -c "cd /sys/class/net/$HOSTIF/statistics && cat tx_packets rx_packets tx_dropped rx_dropped" | tr '\n' ' ')
  [ -n "$row" ] && [ -n "$k" ] && echo "$row | $k"; }
reason(){ echo "$1" | sed -n "s/.*[(,] *$2 \([0-9]*\).*/\1/p" | grep . || echo 0; }   # $1: Host dropped, $2: reason
frame_accounting(){
  local a b end=$((SECONDS + 25))
  a=$(counters); while :; do
    sleep 1; b=$(counters)
    [ -n "$a" ] && [ "$a" = "$b" ] && break
    [ $SECONDS -ge $end ] && { fail frame-accounting "the counters did not settle within 25 s: '$a' then '$b'"; return; }
    a=$b
  done
  log "settled counters: $a"
  local from_guest to_guest dropped from_host to_host host_dropped k_tx k_rx k_txdrop k_rxdrop rest
  read -r from_guest to_guest dropped from_host to_host host_dropped <<< "${a%% | *}"
  read -r k_tx k_rx k_txdrop k_rxdrop rest <<< "${a##* | }"
  local no_if refused csum gso v
  no_if=$(reason "$host_dropped" "no interface") refused=$(reason "$host_dropped" refused)
  csum=$(reason "$host_dropped" checksum) gso=$(reason "$host_dropped" gso)
  for v in "$from_guest" "$to_guest" "$dropped" "$from_host" "$to_host" "${host_dropped%% *}" "$k_tx" "$k_rx" \
           "$k_txdrop" "$k_rxdrop" "$no_if" "$refused" "$csum" "$gso"; do
    [[ "$v" =~ ^[0-9]+$ ]] || { fail frame-accounting "unexpected counters (sim:vif-list row | vif1.0): '$a'"; return; }
  done
  [ "${host_dropped%% *}" -eq $((no_if + refused + csum + gso)) ] \
    || { fail frame-accounting "host interface drops '$host_dropped': reasons not understood"; return; }
  note "$HOSTIF, kernel: sent $k_tx frames (dropped $k_txdrop before the simulator read them), received $k_rx (dropped $k_rxdrop)"
  note "simulator: from host $from_host, to guest $to_guest, netback dropped $dropped; from guest $from_guest, to host $to_host, host interface dropped $host_dropped"
  local why=() x=$((csum + gso))
  [ "$from_host" -eq $((to_guest + dropped)) ] || why+=("netback took $from_host frames from the host interface but delivered $to_guest to the guest and dropped $dropped")
  [ "$to_host" -eq "$k_rx" ] || why+=("the host interface passed $to_host frames to the kernel, which received $k_rx on $HOSTIF")
  if [ $x -eq 0 ]; then
    [ "$k_tx" -eq "$from_host" ] || why+=("the kernel sent $k_tx frames on $HOSTIF but the host interface read $from_host")
    [ "$from_guest" -eq $((to_host + no_if + refused)) ] || why+=("netback took $from_guest frames from the guest but the host interface passed $to_host and dropped $((no_if + refused))")
  else
    # These drops happen on either way and sim:vif-list gives only their sum: the two equations
    # they belong to cannot be checked apart. Say so, and whether their sum balances.
    local gap=$((k_tx - from_host + from_guest - to_host - no_if - refused))
    why+=("$csum checksum and $gso gso drops of the host interface, counted for both ways together (sim:vif-list gives no direction), so 'kernel sent = host interface read + drops from the host' and 'from guest = to host + drops from the guest' cannot be checked apart; together they $( [ $gap -eq $x ] && echo balance || echo "do not balance ($gap frames unaccounted for against $x drops)")")
  fi
  if [ ${#why[@]} -eq 0 ]; then
    note "host to guest: $k_tx sent by the kernel = $to_guest delivered + $dropped dropped by netback; guest to host: $from_guest from netfront = $to_host received by the kernel + $((no_if + refused)) dropped"
    pass frame-accounting
  else
    fail frame-accounting "$(printf '%s; ' "${why[@]}" | sed 's/; $//')"
  fi; }
frame_accounting
### The in-JVM stack (issue 17): vif-0 moves from the TAP stack to lwIP with xenpv-http serving files and a
### handler at the same address (192.0.2.2), then back to the TAP stack (lwIP's features uninstalled), then
### to lwIP again (installed afresh: a new class loader finds lwIP's thread running). dom0's namespace is the
### client throughout: ping, ping -6 to the link-local address, curl.
LWIP_CFG=$K/etc/org.xenpv.stack.lwip-e2e.cfg HTTP_CFG=$K/etc/org.xenpv.http-e2e.cfg STATUS_CFG=$K/etc/org.xenpv.http.status.cfg
mkdir -p "$TMP/www-lwip"
head -c 16M /dev/urandom > "$TMP/www-lwip/blob16" && cp "$TMP/www-lwip/blob16" "$TMP/www-guest/blob16"
head -c 1M /dev/urandom > "$TMP/www-lwip/blob1" && cp "$TMP/www-guest/slow16" "$TMP/www-lwip/slow16"
lwip_on(){ # installs the stack and the server for vif-0; waits until dom0 reaches the server
  local out
  out=$(kc "feature:install xenpv-stack-lwip xenpv-http") || { echo "feature:install: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; return 1; }
  printf 'nic.target = (nic.device=vif-0)\naddress = %s/24\n' "$A_GUEST" > "$LWIP_CFG"
  printf 'stack.target = (nic.device=vif-0)\nport = 8080\nroot = %s\n' "$TMP/www-lwip" > "$HTTP_CFG"
  printf 'xenpv.http.path = /xenpv/status\n' > "$STATUS_CFG"
  until_true 30 sh -c "echo 'ip:list --no-format' | timeout 45 '$K/bin/client' -a $SSH_PORT -u karaf -p $SECRET -b 2>/dev/null | grep -q 'vif-0.*RUNNING'" \
    || { echo "ip:list shows no RUNNING stack on vif-0 within 30 s: $(kc 'ip:list --no-format' | tr '\n' ' ')"; return 1; }
  until_true 30 sh -c "ip netns exec '$NS_DOM0' curl -s -o /dev/null --max-time 2 http://$A_GUEST:8080/blob1" \
    || { echo "dom0 gets no answer from http://$A_GUEST:8080/ within 30 s"; return 1; }; }
lwip_off(){ rm -f "$LWIP_CFG" "$HTTP_CFG" "$STATUS_CFG"; kc "feature:uninstall xenpv-http xenpv-stack-lwip" >/dev/null; }
FETCH_ERR=
fetch16(){ # $1: key of MBITS; curl of blob16 from the guest's address by dom0, checked; FETCH_ERR says why not
  local got=$TMP/got-16 out want have
  out=$(timeout 70 ip netns exec "$NS_DOM0" curl -sS --fail --max-time 60 -o "$got" -w '%{size_download} %{speed_download}' \
        "http://$A_GUEST:8080/blob16" 2>&1) || { FETCH_ERR="curl: $out"; return 1; }
  want=$(sha256sum < "$TMP/www-lwip/blob16" | cut -c 1-64) have=$(sha256sum < "$got" | cut -c 1-64); rm -f "$got"
  [ "$want" = "$have" ] || { FETCH_ERR="SHA-256 differs: served ${want:0:16}..., received ${have:0:16}..."; return 1; }
  MBITS[$1]=$(echo "$out" | awk '{ printf "%.0f", $2 * 8 / 1e6 }'); note "16 MiB ($1): ${MBITS[$1]} Mbit/s, SHA-256 equal"; }
### lwip-http-across-update: dom0's curl fetches 16 MiB at 2 MiB/s from xenpv-http on lwIP, and netfront is
### updated 1 s in: the stack keeps its interface, address and connections while vif-0's Nic is
### replaced (DETACHED, link down), and lwIP's TCP sends again on the new Nic. SHA-256 equal; afterwards
### ip:list shows the same interface RUNNING on vif-0, and vif-0 is ACTIVE.
lwip_update_check(){
  local out rc before after
  before=$(kc "ip:list --no-format" | awk '$2 == "vif-0" { print $1 }')
  slow_fetch_start lwip "http://$A_GUEST:8080/slow16"
  sleep 1
  out=$(kc "bundle:update org.xenpv.netfront"); rc=$?; slow_fetch_updated lwip
  [ $rc -eq 0 ] \
    || { fail lwip-http-across-update "bundle:update org.xenpv.netfront: $out"; wait "${SLOW_PIDS[lwip]}" "${SAMPLER_PIDS[lwip]}"; return; }
  note "ip:list as bundle:update returns: $(kc 'ip:list --no-format' | awk '$2 == "vif-0" { print $1, $2, $3, $6 }')"
  slow_fetch_end lwip "$TMP/www-lwip/slow16" || { fail lwip-http-across-update "$SLOW_ERR"; return; }
  until_true 30 vif0_active || { fail lwip-http-across-update "vif-0 not ACTIVE within 30 s of bundle:update"; return; }
  after=$(kc "ip:list --no-format" | awk '$2 == "vif-0" && $6 == "RUNNING" { print $1 }')
  if [ -n "$after" ] && [ "$after" = "$before" ]; then pass lwip-http-across-update
  else fail lwip-http-across-update "ip:list shows not the same interface ($before) RUNNING on vif-0 after the update: '$after'"; fi; }
lwip_steps(){
  local out r1 r2 ll i pids=() bad=0
  rm -f "$K/etc/org.xenpv.stack.tap-e2e.cfg"
  until_true 30 sh -c "! ip -n '$NS_GUEST' link show dev '$TAP' >/dev/null 2>&1" \
    || { fail lwip-stack "$TAP still in $NS_GUEST 30 s after its configuration was removed"; return; }
  out=$(lwip_on) || { fail lwip-stack "$out"; return; }
  note "$(kc 'ip:list --no-format' | grep vif-0 | tr -s ' ')"; pass lwip-stack
  if r1=$(ping_ok "$NS_DOM0" "$A_GUEST"); then pass lwip-ping-ipv4; else fail lwip-ping-ipv4 "dom0 -> $A_GUEST: $r1"; fi
  ll=$(kc "ip:list --no-format" | awk '$2 == "vif-0" { print $5 }' | cut -d% -f1)
  # lwIP's link-local address is tentative until its duplicate address detection (about a second) ends
  if [ -n "$ll" ] && until_true 10 ping_ok "$NS_DOM0" -6 -c 1 "$ll%$HOSTIF" >/dev/null; then
    r2=$(ping_ok "$NS_DOM0" -6 "$ll%$HOSTIF") && { note "dom0 -> $ll"; pass lwip-ping-ipv6-link-local; } \
      || fail lwip-ping-ipv6-link-local "dom0 -> $ll: $r2"
  else fail lwip-ping-ipv6-link-local "no echo reply from lwIP's link-local address '$ll' within 10 s"; fi
  if fetch16 lwip; then pass lwip-http-download; else fail lwip-http-download "$FETCH_ERR"; fi
  for i in $(seq 1 32); do
    ( out=$(timeout 90 ip netns exec "$NS_DOM0" curl -sS --fail --max-time 80 "http://$A_GUEST:8080/blob1" 2>&1 | sha256sum | cut -c 1-64)
      [ "$out" = "$(sha256sum < "$TMP/www-lwip/blob1" | cut -c 1-64)" ] ) & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || bad=$((bad + 1)); done
  if [ $bad -eq 0 ]; then note "32 concurrent clients got 1 MiB each, intact"; pass lwip-http-concurrent
  else fail lwip-http-concurrent "$bad of 32 concurrent downloads failed or differed"; fi
  out=$(timeout 20 ip netns exec "$NS_DOM0" curl -sS --fail --max-time 15 "http://$A_GUEST:8080/xenpv/status" 2>&1)
  if echo "$out" | has "vif-0" && echo "$out" | has "$A_GUEST"; then pass lwip-http-handler
  else fail lwip-http-handler "the status handler's answer names not vif-0 and $A_GUEST: $(echo "$out" | head -c 300)"; fi
  lwip_update_check
  # to the TAP stack: lwIP's features go, the TAP stack takes vif-0 again, busybox httpd in the guest serves
  lwip_off
  printf 'nic.target = (nic.device=vif-0)\ninterface = %s\n' "$TAP" > "$K/etc/org.xenpv.stack.tap-e2e.cfg"
  if until_true 30 tap_ready "" && place "$TAP" "$NS_GUEST" "$A_GUEST" && until_true 10 carrier "$TAP" "$NS_GUEST" \
     && until_true 10 ping_ok "$NS_DOM0" "$A_GUEST" >/dev/null && fetch16 tap; then pass lwip-to-tap
  else fail lwip-to-tap "the guest kernel not reached through $TAP after lwIP's features were removed: ${FETCH_ERR:-$(link_line "$TAP" "$NS_GUEST")}"; return; fi
  # and back to lwIP, from freshly installed bundles
  rm -f "$K/etc/org.xenpv.stack.tap-e2e.cfg"
  until_true 30 sh -c "! ip -n '$NS_GUEST' link show dev '$TAP' >/dev/null 2>&1" \
    || { fail tap-to-lwip "$TAP still in $NS_GUEST 30 s after its configuration was removed"; return; }
  if ! out=$(lwip_on); then fail tap-to-lwip "$out"
  elif fetch16 lwip-again; then pass tap-to-lwip; else fail tap-to-lwip "$FETCH_ERR"; fi
  lwip_off; }
lwip_steps
exit 0
