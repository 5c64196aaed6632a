#!/usr/bin/env bash
# Installs everything Sluice needs to build, test, demo and benchmark on a bare
# Debian 12, and mounts bpffs. Idempotent and quiet when all is present.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang llvm
  libbpf-dev libxdp-dev libelf-dev zlib1g-dev bpftool xdp-tools libmnl-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  prometheus-cpp-dev        # lbd --metrics (Prometheus exposition)
  # tests, demo and benchmarks
  iproute2 ethtool curl netcat-openbsd iperf3 python3 nftables iptables
  openssl                   # netns-tests/lbd_guards.sh: certificates for mutual TLS
  ipset                     # netns-tests/perf: iptables with an ipset, a contender
  procps kmod
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bpffs is where lbd pins its maps and links; some machines boot without it.
if [[ $(id -u) -eq 0 ]] && ! mountpoint -q /sys/fs/bpf; then
  mount -t bpf bpf /sys/fs/bpf
fi
