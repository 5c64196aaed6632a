// Test fixture for the node datapath (datapath/tc/endpoint.bpf.c) under
// BPF_PROG_TEST_RUN: loads the object through its skeleton (small maps, not
// pinned, not attached), fills its maps the way lbd does, runs packets
// through sluice_from_endpoint / sluice_to_endpoint and reads the counters,
// the connection table and the event ring buffer.
//
//   TEST_F(EndpointTest, Something) {
//     PutEndpoint(MakeEndpoint(7, "10.0.1.2", "fd00:1::2"));
//     TcRun r =
//     FromEndpoint(PacketBuilder().Eth(...).Ipv4(...).Tcp(...).Build());
//     EXPECT_EQ(r.verdict, TC_ACT_OK);
//     EXPECT_EQ(Moved(r.delta), "from_endpoint ct_new");
//   }
//
// Packets run on the loopback device (ifindex 1, kTestIfindex), so the
// endpoint the programs see is the one stored under that key. Every TEST_F
// loads a fresh object: maps, counters and events start empty. Without root
// (or when the kernel refuses BPF) the tests skip, never pass.
#ifndef SLUICE_DATAPATH_TC_ENDPOINT_FIXTURE_H_
#define SLUICE_DATAPATH_TC_ENDPOINT_FIXTURE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/optional.h"
#include "base/packet/addresses.h"
#include "datapath/maps/flow_key.h"
#include "datapath/tc/endpoint_maps.h"
#include "gtest/gtest.h"
#include "sluice/shared.h"

struct endpoint;
struct ring_buffer;

namespace sluice::testing {

// The interface packets run on: BPF_PROG_TEST_RUN's loopback device.
inline constexpr uint32_t kTestIfindex = 1;
inline constexpr uint32_t kTestHashSeed = 0x5eed1234;

// A backend packets may use, as lbd writes it after a commit.
inline constexpr uint8_t kLiveBackend =
    SLUICE_BACKEND_LIVE | SLUICE_BACKEND_COMMITTED;

// The node datapath's global counters: SLUICE_NODE_CTR_*, drop reasons and
// verdicts. Subtracting two snapshots gives what happened in between.
struct NodeCounts {
  std::array<sluice_counter, SLUICE_NODE_CTR_MAX> ctr{};
  std::array<sluice_counter, SLUICE_DROP_REASON_MAX> drops{};
  std::array<sluice_counter, SLUICE_NODE_VERDICT_MAX> verdicts{};
};
NodeCounts operator-(const NodeCounts& a, const NodeCounts& b);

// Names (as lbctl shows them) of the counters whose packet count moved, in id
// order, with a count when it is not one: "from_endpoint ct_newx2 dnat".
std::string Moved(const NodeCounts& delta);
// Names of the drop reasons that moved, e.g. "policy_deny"; "" for none.
std::string DropReasons(const NodeCounts& delta);
// Names of the verdicts that moved, e.g. "pass".
std::string Verdicts(const NodeCounts& delta);

// What one run did.
struct TcRun {
  uint32_t verdict = ~0u;    // ~0u when the run itself failed
  std::vector<uint8_t> out;  // the frame as the program left it
  uint32_t mark = 0;         // skb->mark as the program left it
  NodeCounts delta;          // counters the run moved
};

// An endpoint; a default-constructed address = none of that family; policy
// id 0 = no policy in that direction.
sluice_endpoint MakeEndpoint(uint32_t endpoint_id, const IpAddress& ip4,
                             const IpAddress& ip6, uint32_t ingress_policy = 0,
                             uint32_t egress_policy = 0);

// Policy rules as lbd folds them into an entry: protocol 0 = any; ports (of
// the destination, host order) default to every port.
sluice_policy_rule Allow(uint32_t rule_id, uint8_t proto = 0,
                         uint16_t port_min = 0, uint16_t port_max = 0xffff);
sluice_policy_rule Deny(uint32_t rule_id, uint8_t proto = 0,
                        uint16_t port_min = 0, uint16_t port_max = 0xffff);

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // --- Filling maps (failures are test failures) ---
  // Stores `ep` under kTestIfindex; RemoveEndpoint deletes it.
  void PutEndpoint(const sluice_endpoint& ep);
  void RemoveEndpoint();
  void PutService(const IpAddress& addr, uint16_t port, uint8_t proto,
                  uint32_t svc_id, uint32_t ring_id);
  // A Maglev table naming `backend_ids` in turn.
  void PutRing(uint32_t ring_id, const std::vector<uint32_t>& backend_ids);
  void PutBackend(uint32_t id, const IpAddress& addr, uint16_t port,
                  uint32_t svc_id, uint8_t flags = kLiveBackend);
  // The policy entry of (policy_id, prefix/bits): every rule that applies to
  // peers in the prefix, those of covering prefixes included.
  void PutPolicy(uint32_t policy_id, const IpAddress& prefix, uint32_t bits,
                 const std::vector<sluice_policy_rule>& rules);

  // --- Reading maps ---
  NodeCounts ReadCounts();
  sluice_counter RuleCounter(uint32_t rule_id);
  absl::optional<sluice_ct_entry> Conntrack(const sluice_ct_key& key);
  // The events written since the last call, oldest first.
  std::vector<sluice_event> TakeEvents();

  // --- Running (on kTestIfindex) ---
  TcRun FromEndpoint(const std::vector<uint8_t>& frame, uint32_t repeat = 1);
  TcRun ToEndpoint(const std::vector<uint8_t>& frame, uint32_t mark = 0);

  endpoint* skel_ = nullptr;

 private:
  TcRun Run(int prog_fd, const std::vector<uint8_t>& frame, uint32_t mark,
            uint32_t repeat);

  ring_buffer* events_ = nullptr;
  std::vector<sluice_event> pending_events_;
};

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_TC_ENDPOINT_FIXTURE_H_
