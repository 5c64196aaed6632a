// The user-space twin of pktgen.bpf.c's per-frame rewrite, for senders that
// do not run the BPF program (AF_PACKET). Byte for byte the same output:
// pktgen_test runs both on the same flows and compares.
#pragma once

#include <cstdint>

#include "tools/pktgen/pktgen_config.h"

namespace sluice::pktgen {

// Turns `frame` (a copy of the template `config` describes, at least
// config.header_len bytes) into flow number `flow` (0 .. config.flows - 1):
// source port or source address + flow, checksums updated from the
// template's values. With one flow it changes nothing.
void RewriteIntoFlow(const pktgen_config& config, uint32_t flow, uint8_t* frame);

}  // namespace sluice::pktgen
