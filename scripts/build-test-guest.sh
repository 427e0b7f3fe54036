#!/usr/bin/env bash
# build-test-guest.sh — the small Linux guest the real-QEMU tests boot.
#
#   scripts/build-test-guest.sh OUTDIR
#
# Builds, from Debian bookworm packages only (fetched with `apt-get
# download`, no root, no loop devices, no mounts):
#
#   OUTDIR/disk.qcow2   what the tests boot, like a Glance image: an MBR
#                       (syslinux) and one FAT16 partition holding SYSLINUX,
#                       the kernel and the initramfs
#   OUTDIR/vmlinuz      Debian's cloud kernel, for direct kernel boot
#   OUTDIR/initrd.img   the whole guest: busybox, dropbear, a few modules
#                       and the scripts of scripts/test-guest/rootfs
#   OUTDIR/cmdline.txt  the kernel command line the bootloader passes
#   OUTDIR/SHA256SUMS
#
# The guest's behaviour (what it prints on the serial console, SSH, HTTP,
# config drive, power button) is described in scripts/test-guest/README.md.
#
# Downloaded .debs are kept in $NOVA_GUEST_DEB_CACHE (default
# OUTDIR/.debs), so a rebuild needs no network. Two builds may share the
# cache at the same time. Host tools: bash, apt-get/apt-cache (with bookworm
# package lists), dpkg-deb, gzip, coreutils and qemu-img (qemu-utils).
# busybox, syslinux, mtools and mkfs.fat run straight out of their .debs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SKELETON=$HERE/test-guest/rootfs

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
CACHE=${NOVA_GUEST_DEB_CACHE:-$OUT/.debs}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Kernel command line: messages on the VGA console and the serial port
# (the last console= gets /dev/console), reboot at once on panic.
CMDLINE="console=tty0 console=ttyS0,115200n8 loglevel=4 panic=-1"

note() { printf 'build-test-guest: %s\n' "$*" >&2; }
die() { note "error: $*"; exit 1; }
started=$SECONDS

# ----------------------------------------------------------------------------
# 1. Packages
# ----------------------------------------------------------------------------
# The kernel is whatever linux-image-cloud-amd64 currently points at (small,
# virtio drivers as modules). Without package lists, a cached one will do.
kernel_pkg=$(apt-cache show --no-all-versions linux-image-cloud-amd64 2>/dev/null |
  sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*\).*/\1/p' | head -n 1) || true
if [ -z "$kernel_pkg" ]; then
  cached=$(find "$CACHE" -maxdepth 1 -name 'linux-image-*-cloud-amd64_*.deb' | sort -V | tail -n 1)
  [ -n "$cached" ] || die "apt-cache does not know linux-image-cloud-amd64 (run apt-get update)"
  kernel_pkg=$(basename "$cached" | cut -d_ -f1)
fi

# Into the guest: busybox (the userland), dropbear and its libraries.
GUEST_PKGS=(busybox-static dropbear-bin libc6 libcrypt1 libtomcrypt1 libtommath1 libgmp10 zlib1g)
# Run here only, to make the disk: bootloader, FAT tools.
TOOL_PKGS=(syslinux syslinux-common mtools dosfstools)

# deb PKG: path of the cached .deb of PKG (the newest, if several).
deb() { find "$CACHE" -maxdepth 1 -name "${1}_*.deb" | sort -V | tail -n 1; }

fetch=()
for p in "$kernel_pkg" "${GUEST_PKGS[@]}" "${TOOL_PKGS[@]}"; do
  [ -n "$(deb "$p")" ] || fetch+=("$p")
done
if [ ${#fetch[@]} -gt 0 ]; then
  note "apt-get download ${fetch[*]}"
  # Download beside the cache and move each file in whole, so a concurrent
  # build never sees half a .deb.
  part=$(mktemp -d "$CACHE/.download.XXXXXX")
  if ! (cd "$part" && apt-get download -q "${fetch[@]}" > "$part/log" 2>&1); then
    cat "$part/log" >&2
    rm -rf "$part"
    die "apt-get download failed"
  fi
  mv "$part"/*.deb "$CACHE"/
  rm -rf "$part"
fi

# ----------------------------------------------------------------------------
# 2. Host tools out of their packages
# ----------------------------------------------------------------------------
TOOLS=$WORK/tools
mkdir -p "$TOOLS"
for p in busybox-static "${TOOL_PKGS[@]}"; do dpkg-deb -x "$(deb "$p")" "$TOOLS"; done
BUSYBOX=$TOOLS/bin/busybox
MKFS_FAT=$TOOLS/sbin/mkfs.fat
SYSLINUX=$TOOLS/usr/bin/syslinux # the mtools flavour: installs into an image file
MBR_BIN=$TOOLS/usr/lib/syslinux/mbr/mbr.bin
export MTOOLS_SKIP_CHECK=1
export PATH="$TOOLS/usr/bin:$PATH" # syslinux runs mcopy/mattrib from mtools
for f in "$BUSYBOX" "$MKFS_FAT" "$SYSLINUX" "$MBR_BIN"; do [ -e "$f" ] || die "$f missing from the packages"; done

# ----------------------------------------------------------------------------
# 3. Kernel and modules
# ----------------------------------------------------------------------------
KDIR=$WORK/kernel
mkdir -p "$KDIR"
dpkg-deb --fsys-tarfile "$(deb "$kernel_pkg")" |
  tar -x -C "$KDIR" --wildcards './boot/vmlinuz-*' './lib/modules/*'
kver=$(ls "$KDIR/lib/modules")
cp "$KDIR/boot/vmlinuz-$kver" "$OUT/vmlinuz"
# busybox depmod writes modules.dep for the whole tree; the closure of
# etc/modules over it is what the guest gets.
"$BUSYBOX" depmod -b "$KDIR" "$kver"

ROOT=$WORK/root
MODS=lib/modules/$kver
mkdir -p "$ROOT/$MODS"
wanted=$(grep -v '^#' "$SKELETON/etc/modules" | tr '-' '_')
awk -v want="$wanted" '
  function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
  BEGIN { n = split(want, w, /[ \n]+/); for (i = 1; i <= n; i++) if (w[i] != "") need[w[i]] = 1 }
  { sub(/:$/, "", $1); mod = base($1); if (mod in need) { print $1; for (i = 2; i <= NF; i++) print $i; found[mod] = 1 } }
  END { for (m in need) if (!(m in found)) print "build-test-guest: module " m " is built in or missing" > "/dev/stderr" }
' "$KDIR/$MODS/modules.dep" | sort -u > "$WORK/modules.list"
(cd "$KDIR/$MODS" && tar -c -T "$WORK/modules.list") | tar -x -C "$ROOT/$MODS"
cp "$KDIR/$MODS/modules.order" "$KDIR/$MODS/modules.builtin" "$ROOT/$MODS/"
"$BUSYBOX" depmod -b "$ROOT" "$kver"

# ----------------------------------------------------------------------------
# 4. The guest's root filesystem (the initramfs)
# ----------------------------------------------------------------------------
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,root,mnt/config,srv/www,var/log}
cp -a "$SKELETON"/. "$ROOT"/
install -m 755 "$BUSYBOX" "$ROOT/bin/busybox"
# One symlink per applet, made here so the guest boots without installing them.
"$BUSYBOX" --list-full | while read -r applet; do
  [ -e "$ROOT/$applet" ] || ln -s /bin/busybox "$ROOT/$applet"
done

# dropbear and exactly the shared objects it loads, as the packaged dynamic
# loader resolves them.
SSH=$WORK/ssh
mkdir -p "$SSH"
for p in dropbear-bin libc6 libcrypt1 libtomcrypt1 libtommath1 libgmp10 zlib1g; do dpkg-deb -x "$(deb "$p")" "$SSH"; done
install -D -m 755 "$SSH/usr/sbin/dropbear" "$ROOT/usr/sbin/dropbear"
libpath=$SSH/lib/x86_64-linux-gnu:$SSH/usr/lib/x86_64-linux-gnu
mkdir -p "$ROOT/lib/x86_64-linux-gnu" "$ROOT/lib64"
"$SSH/lib64/ld-linux-x86-64.so.2" --library-path "$libpath" --list "$SSH/usr/sbin/dropbear" |
  awk '$2 == "=>" && $1 !~ /\// && $3 ~ /^\// { print $1, $3 }' |
  while read -r soname file; do
    cp -L "$file" "$ROOT/lib/x86_64-linux-gnu/$soname"
  done
cp -L "$SSH/lib64/ld-linux-x86-64.so.2" "$ROOT/lib64/ld-linux-x86-64.so.2"
[ -e "$ROOT/lib/x86_64-linux-gnu/libc.so.6" ] || die "dropbear's libraries were not found"

# newc cpio, every file owned by root, gzip (the kernel unpacks it into RAM).
(cd "$ROOT" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc -R 0:0 2> /dev/null) |
  gzip -6 -n > "$OUT/initrd.img"
echo "$CMDLINE" > "$OUT/cmdline.txt"

# ----------------------------------------------------------------------------
# 5. The disk: MBR + one active FAT16 partition with SYSLINUX
# ----------------------------------------------------------------------------
START=2048              # first sector of the partition (1 MiB)
SECTORS=$((32 * 2048))  # 32 MiB
FAT=$WORK/part.img
cat > "$WORK/syslinux.cfg" << EOF
DEFAULT guest
TIMEOUT 0
PROMPT 0
LABEL guest
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND $CMDLINE
EOF
# -h: sectors before the partition, which SYSLINUX's boot sector needs.
"$MKFS_FAT" -F 16 -n NOVA-GUEST -h "$START" -C "$FAT" $((SECTORS / 2)) > /dev/null
for f in "$OUT/vmlinuz" "$OUT/initrd.img" "$WORK/syslinux.cfg"; do mcopy -i "$FAT" "$f" ::/; done
"$SYSLINUX" --install "$FAT"

# hex32 N: N as four little-endian bytes, in hex.
hex32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
RAW=$WORK/disk.raw
truncate -s $(((START + SECTORS) * 512)) "$RAW"
dd if="$MBR_BIN" of="$RAW" bs=440 count=1 conv=notrunc status=none
{
  # Partition 1: bootable (80), CHS fields unused (fe ff ff), type 0e
  # (FAT16, LBA), first sector, sector count. Partitions 2-4 empty. 55 aa.
  printf '80feffff0efeffff%s%s' "$(hex32 "$START")" "$(hex32 "$SECTORS")"
  printf '%096d' 0
  printf '55aa'
} | "$BUSYBOX" xxd -r -p | dd of="$RAW" bs=1 seek=446 conv=notrunc status=none
dd if="$FAT" of="$RAW" bs=512 seek="$START" conv=notrunc status=none

command -v qemu-img > /dev/null || die "qemu-img not found (Debian package qemu-utils)"
qemu-img convert -f raw -O qcow2 "$RAW" "$OUT/disk.qcow2.new"
mv "$OUT/disk.qcow2.new" "$OUT/disk.qcow2"
(cd "$OUT" && sha256sum vmlinuz initrd.img disk.qcow2 > SHA256SUMS)

note "kernel $kver, $(wc -l < "$WORK/modules.list") modules, initrd $(du -k "$OUT/initrd.img" | cut -f1) KiB, built in $((SECONDS - started)) s"
