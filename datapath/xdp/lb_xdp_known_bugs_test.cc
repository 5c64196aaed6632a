// Datapath behaviour that is known to be wrong, one test per bug. Each test
// asserts the right behaviour but skips with "BUG: ..." while the datapath
// still shows the bug, so it starts guarding the fix the day it lands.
//
// Kept out of lb_xdp_test on purpose: sluice_gtest reports a whole binary as
// skipped when any of its tests skips, which would hide lb_xdp_test's results.
#include <linux/bpf.h>
#include <netinet/in.h>

#include <cstdint>
#include <vector>

#include "datapath/testing/packet/packet_builder.h"
#include "datapath/xdp/lb_xdp_fixture.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

using LbXdpKnownBugsTest = LbXdpTest;

const IpAddress kClient4("192.0.2.1");
const IpAddress kVip4("203.0.113.10");
const IpAddress kClient6("2001:db8:c::1");
const IpAddress kVip6("2001:db8:f::10");

// A later fragment carries no ports, so it can only match a VIP by address;
// its first fragment drops as vip_fragment, and so should it. Today
// find_vip looks it up with port 0 (the port it lacks), finds only port-0
// VIPs, and a VIP with exact-port entries lets it pass to the stack.
TEST_F(LbXdpKnownBugsTest, LaterFragmentToAnExactPortVipIsDropped) {
  PutBackend(1, "10.1.0.1", "02:00:00:00:01:01");
  PutBackend(2, "fd00:1::1", "02:00:00:00:01:01");
  FillRing(0, 13, {1});
  FillRing(256, 13, {2});
  PutVip(0, kVip4, 80, IPPROTO_TCP, VipMeta(1, 0, 13));
  PutVip(0, kVip6, 80, IPPROTO_TCP, VipMeta(2, 256, 13));
  const std::vector<uint8_t> frames[] = {
      PacketBuilder()
          .Eth("02:00:00:00:00:01", "02:00:00:00:00:aa")
          .Ipv4(kClient4, kVip4)
          .Fragment(72, false)
          .IpProtocol(IPPROTO_TCP)
          .PayloadOfSize(64)
          .Build(),
      PacketBuilder()
          .Eth("02:00:00:00:00:01", "02:00:00:00:00:aa")
          .Ipv6(kClient6, kVip6)
          .Fragment(72, false)
          .IpProtocol(IPPROTO_TCP)
          .PayloadOfSize(64)
          .Build(),
  };
  for (const auto& frame : frames) {
    XdpRun r = Run(frame);
    if (r.verdict == XDP_PASS) {
      GTEST_SKIP() << "BUG: a later fragment to a VIP with only exact-port "
                      "entries passes to the stack instead of dropping as "
                      "vip_fragment (find_vip has no address-only lookup)";
    }
    EXPECT_EQ(r.verdict, XDP_DROP);
    EXPECT_EQ(DropReasons(r.delta), "vip_fragment");
  }
}

}  // namespace
}  // namespace sluice::testing
