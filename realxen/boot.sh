#!/bin/bash
# Boots Xen + dom0 under QEMU (TCG): dom0's disk twice (its root, and the domU's read-only disk),
# serial console into $1 with timestamps. Exit 0 iff the console says XENTEST-RESULT: PASS.
LAB=${LAB:?}; LOG=${1:?}; TMO=${TMO:-2700}
XENCMD="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 loglvl=all guest_loglvl=all"
DOM0CMD="root=/dev/vda rw console=hvc0 earlyprintk=xen init=/xentest/dom0-init.sh"
START=$EPOCHREALTIME
# -cpu qemu64: with SMAP exposed, dom0 dies at its first instruction under QEMU 7.2 TCG.
timeout $TMO qemu-system-x86_64 -accel tcg,thread=multi,tb-size=256 -cpu qemu64 -machine pc -m 3G -smp 2 \
  -nographic -no-reboot -kernel $LAB/xen-4.17-amd64 -append "$XENCMD" \
  -initrd "$LAB/dom0-vmlinuz $DOM0CMD,$LAB/dom0-initrd.img" \
  -drive file=$LAB/dom0.img,if=virtio,format=raw,cache=unsafe,snapshot=on \
  -drive file=$LAB/dom0.img,if=virtio,format=raw,cache=unsafe,snapshot=on \
  -net none -serial mon:stdio </dev/null 2>&1 | \
  while IFS= read -r l; do printf '%7.2f %s\n' "$(awk "BEGIN{print $EPOCHREALTIME - $START}")" "$l"; done > "$LOG"
grep -aq "XENTEST-RESULT: PASS" "$LOG"
