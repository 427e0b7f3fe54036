#!/bin/sh
# Boot script of the test guest (inittab sysinit). Works out the guest's
# name, reads an OpenStack config drive when one is attached, starts the
# power button handler, SSH, HTTP and DHCP, then reports on the serial
# console and draws a banner on the VGA screen.
. /usr/libexec/nova-guest/lib.sh

# Keep late kernel chatter off the consoles (the VGA banner must stay put).
dmesg -n 1

# --- name: guest.hostname= on the kernel command line, or a default
name=nova-guest
for word in $(cat /proc/cmdline); do
  case $word in guest.hostname=?*) name=${word#guest.hostname=} ;; esac
done

# --- disks: give the virtio/IDE probes a moment to register the devices
tries=0
while [ "$tries" -lt 30 ] && ! ls /sys/block/*/device >/dev/null 2>&1; do
  sleep 0.1
  tries=$((tries + 1))
done

# --- config drive: a filesystem labelled config-2 (iso9660 or vfat)
drive=$(findfs LABEL=config-2 2>/dev/null) || drive=
mounted=
if [ -n "$drive" ]; then
  for fstype in iso9660 vfat; do
    mount -t "$fstype" -o ro "$drive" /mnt/config 2>/dev/null && { mounted=1; break; }
  done
fi
report_drive=
if [ -n "$mounted" ]; then
  md=/mnt/config/openstack/latest/meta_data.json
  if [ -r "$md" ]; then
    h=$(json_string "$md" hostname)
    u=$(json_string "$md" uuid)
    [ -n "$h" ] && name=$h
    report_drive="configdrive=$drive uuid=${u:-unknown}"
    echo "$drive" > "$STATE/configdrive"
    install_keys "$md"
  fi
fi
hostname "$name"

# --- power button (QMP system_powerdown): acpid runs /etc/acpi/PWRF/00000080
acpid -c /etc/acpi -l "$STATE/acpid.log"

# --- network services: SSH (keys only) on 22, one line of HTTP on 80
ip link set lo up
mkdir -p /etc/dropbear
dropbear -s -R -p 22 -P "$STATE/dropbear.pid" 2>> "$STATE/dropbear.log"
/usr/libexec/nova-guest/http-index
httpd -p 80 -h /srv/www

# --- DHCP on every NIC, in the background (hook: dhcp-event), and on
# every NIC hot-plugged later (nic-watch keeps polling)
/usr/libexec/nova-guest/nic-watch

# --- disks hot-plugged later (volumes) are reported as they come and go
/usr/libexec/nova-guest/disk-watch

# --- report
disks=
for dev in /sys/block/*; do
  [ -e "$dev/device" ] && disks=${disks:+$disks,}${dev##*/}
done
nics=
for nic in /sys/class/net/*; do
  [ "${nic##*/}" = lo ] || nics=${nics:+$nics,}${nic##*/}/$(cat "$nic/address")
done
read -r up _ < /proc/uptime
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
line="NOVA-GUEST-BOOT-OK host=$name kernel=$(uname -r) uptime=${up}s mem=${mem}kB disks=${disks:-none} nics=${nics:-none}"
[ -n "$report_drive" ] && line="$line $report_drive"
say "$line"
echo "$line" > "$STATE/boot"
/usr/libexec/nova-guest/vga-banner "$line" > /dev/tty1
