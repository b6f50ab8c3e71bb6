#!/bin/busybox sh
# /init of the v2 lane's guest. It mounts the host's root (a read-only 9p share) under a tmpfs overlay, so the
# guest runs the host's own node, shim, tools and worktree at the same paths, mounts a pure cgroup2 hierarchy with
# every controller enabled, runs the job the host named on the kernel command line (aurae.job=PATH, a script on the
# host) in that root, prints "AURAE-V2LANE-EXIT <status>" on the console and reboots, which ends QEMU (-no-reboot).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

finish() {
  echo "AURAE-V2LANE-EXIT $1"
  sync
  reboot -f
}
fail() {
  echo "aurae-v2lane: $*"
  finish 125
}

echo "aurae-v2lane: userspace after $(cut -d' ' -f1 /proc/uptime) s"
# Dependency order (the kernel package's modules.dep is made by depmod at install, which we skip).
for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay; do
  insmod "/modules/$module.ko" || fail "insmod $module"
done
job=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^aurae\.job=//p')
[ -n "$job" ] || fail "no aurae.job= on the kernel command line"

mkdir -p /host /rw /root
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host || fail "mount the host's root"
mount -t tmpfs -o mode=0755 tmpfs /rw || fail "mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /root || fail "mount the overlay"
for dir in proc sys dev tmp run; do mkdir -p "/root/$dir"; done
mount -t proc proc /root/proc
mount -t sysfs sysfs /root/sys
mount -t devtmpfs devtmpfs /root/dev
mkdir -p /root/dev/pts /root/dev/shm
mount -t devpts devpts /root/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /root/dev/shm
# /tmp stays the overlay's (writable, in the tmpfs above): a checkout under /tmp, as CI's may be, must stay visible.
mount -t tmpfs -o mode=0755 tmpfs /root/run
cp "/host$job" /root/run/aurae-v2lane-job.sh || fail "copy the job $job"

# Pure v2: no v1 hierarchy is mounted, so every controller is on the cgroup2 one; enable them all for the tree.
mount -t cgroup2 -o nsdelegate cgroup2 /root/sys/fs/cgroup || fail "mount cgroup2"
for controller in $(cat /root/sys/fs/cgroup/cgroup.controllers); do
  echo "+$controller" >/root/sys/fs/cgroup/cgroup.subtree_control || fail "enable $controller"
done
echo "aurae-v2lane: cgroup2 subtree_control: $(cat /root/sys/fs/cgroup/cgroup.subtree_control)"
ip link set lo up || fail "lo up"

chroot /root /bin/sh /run/aurae-v2lane-job.sh
finish $?
