#!/usr/bin/env bash
# Prepare this machine for tuivirt: Debian packages, the libvirt daemons, the venv.
# Idempotent: a second run installs nothing and starts nothing that already runs.
# Needs root (apt-get, libvirtd). Debian 12 / Ubuntu 22.04+; no systemd needed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients  # libvirtd, virtlogd, virsh
  libvirt-dev pkg-config gcc python3-dev  # to build libvirt-python from PyPI
  qemu-system-x86 qemu-utils              # the hypervisor and qemu-img
  busybox-static cpio                     # the offline test guest's initramfs
  dnsmasq-base                            # DHCP on libvirt's default network
  e2fsprogs                               # mkfs.ext2: a file system for the guest agent tests
  osinfo-db                               # OS variants for the new-guest form
  tmux                                    # terminal tests and benchmarks
  openssh-server                          # the qemu+ssh:// tests run their own sshd on 127.0.0.1
)
URI=qemu:///system

say() { printf '[setup-host] %s\n' "$*"; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The test guest's kernel comes from apt-get download: its package lists must exist.
if ! apt-cache show linux-image-cloud-amd64 >/dev/null 2>&1; then
  apt-get update -qq
fi

# No systemd here: start the daemons ourselves when they are not running. (Not pgrep: a killed
# daemon can linger as a zombie where nothing reaps orphans.)
running() { ps -C "$1" -o stat= | grep -qv '^Z'; }
running virtlogd || { say "starting virtlogd"; virtlogd -d; }
running libvirtd || { say "starting libvirtd"; libvirtd -d; }
# Post-copy migration needs userfaultfd in the target's QEMU, which runs as libvirt-qemu, not root:
# Debian's kernel refuses it to unprivileged users (QEMU then says "Postcopy is not supported").
if [ "$(cat /proc/sys/vm/unprivileged_userfaultfd 2>/dev/null)" = 0 ]; then
  say "allowing userfaultfd for QEMU (vm.unprivileged_userfaultfd=1: post-copy migration)"
  echo 1 > /proc/sys/vm/unprivileged_userfaultfd || say "could not: post-copy migration will be refused"
fi
for _ in $(seq 1 60); do
  virsh -c "$URI" version >/dev/null 2>&1 && break
  sleep 0.5
done
virsh -c "$URI" version >/dev/null || { echo "libvirtd does not answer on $URI" >&2; exit 1; }

# libvirt's default NAT network (dnsmasq hands out the addresses): the test guest has a NIC on it.
if ! virsh -c "$URI" net-info default >/dev/null 2>&1; then
  say "defining the default network"
  virsh -c "$URI" net-define /usr/share/libvirt/networks/default.xml >/dev/null
fi
if [[ ! $(virsh -c "$URI" net-info default) =~ Active:\ +yes ]]; then
  say "starting the default network"
  virsh -c "$URI" net-start default >/dev/null
fi

# The venv, reinstalled only when pyproject.toml changed.
stamp=.venv/.setup-stamp
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing tuivirt and its test tools into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]' 2> >(grep -v '^WARNING: Location' >&2)
  echo "$want" >"$stamp"
fi
say "ready: $(virsh -c "$URI" version --daemon | sed -n 's/^Running against daemon: //p' | head -1 || true) libvirt daemon on $URI, .venv with tuivirt $(.venv/bin/tuivirt --version | cut -d' ' -f2)"
