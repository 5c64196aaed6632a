#!/usr/bin/env bash
# Fails when a file includes a header of a layer above its own
# (docs/architecture.md draws the layers). Run from anywhere; tools/test.sh
# runs it before building.
#
#   base      primitives: status, addresses, libbpf helpers, netlink, Maglev
#   datapath  BPF programs, their shared headers and per-object map libraries
#   lb node decap   the three models; none includes another
#   api       gRPC services: conversions only
#   lbd       the daemon: flags, roles, main
#   cli tools operator tools: base and the protos only
#
# "sluice/..." and "sluice_kern/..." are datapath/include; "NAME.skel.h" is
# in the layer of NAME.bpf.c; "sluice/v1/..." are the generated protos.
set -euo pipefail
cd "$(dirname "$0")/.."

# The layers a layer may include, itself included.
declare -A allowed=(
  [base]="base"
  [datapath]="base datapath"
  [lb]="base datapath lb"
  [node]="base datapath node"
  [decap]="base datapath decap"
  [api]="base datapath lb node decap api proto"
  [lbd]="base datapath lb node decap api lbd proto"
  [cli]="base cli proto"
  [tools]="base tools proto"
)

# The layer of an included path, or nothing for a system/third-party header.
layer_of_include() {
  case $1 in
    sluice/v1/*) echo proto ;;
    *.skel.h)
      local source
      source=$(git ls-files "*/${1%.skel.h}.bpf.c" | head -1)
      echo "${source%%/*}" ;;
    sluice/* | sluice_kern/*) echo datapath ;;
    base/* | datapath/* | lb/* | node/* | decap/* | api/* | lbd/* | cli/* | tools/*)
      echo "${1%%/*}" ;;
  esac
}

violations=0
while IFS= read -r file; do
  layer=${file%%/*}
  [[ -n ${allowed[$layer]:-} ]] || continue
  # BPF programs in tools/ (pktgen's) share the datapath's kernel-side
  # helpers (checksums); that is code reuse inside the kernel, not an arrow
  # from the tools to the load balancer.
  bpf_program=false
  [[ $layer == tools && $file == *.bpf.c ]] && bpf_program=true
  while IFS=: read -r line include; do
    target=$(layer_of_include "$include")
    [[ -n $target ]] || continue
    if $bpf_program && [[ $include == sluice_kern/* ]]; then continue; fi
    if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "$file:$line: $layer/ includes \"$include\" ($target/ is not below $layer/)"
      violations=$((violations + 1))
    fi
  done < <(grep -n '^#include "' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
done < <(git ls-files '*.c' '*.cc' '*.h')

if ((violations)); then
  echo "check_layers: $violations include(s) point up a layer (docs/architecture.md)" >&2
  exit 1
fi
echo "check_layers: every include points down or sideways within its layer"
