// Every node commit restores as all-old or all-new. For each kind of commit
// (endpoint add/del, service create/replace/del, policy set/replace/clear),
// a child process makes the commit and dies just before its Nth BPF map
// write (base/testing/crash_injection), for every N from the first write to
// the last; then the Node restarts from the pinned maps and must describe
// exactly the state before the commit or the state after it. The restarts
// in the loop reuse the loaded programs (see Restart()).
#include <bpf/bpf.h>
#include <net/if.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "base/testing/crash_injection.h"
#include "gtest/gtest.h"
#include "node/node.h"
#include "node/testing/small_node_datapath.h"

namespace sluice::node {
namespace {

using sluice::testing::ArmCrashBefore;
using sluice::testing::MapWritesSinceArmed;
using sluice::testing::RunInChildCrashingBefore;

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }
IpPrefix Prefix(const char* text) { return *ParseIpPrefix(text); }
VipKey Svc(const char* address, uint16_t port) { return {Ip(address), port, IPPROTO_TCP}; }

PolicyRuleSpec Allow(const char* peer, uint8_t proto = 0, uint16_t lo = 0, uint16_t hi = 65535) {
  return {RuleAction::kAllow, Prefix(peer), proto, lo, hi};
}
PolicyRuleSpec Deny(const char* peer) { return {RuleAction::kDeny, Prefix(peer), 0, 0, 65535}; }

// Every key of a map, as raw bytes.
std::vector<std::vector<uint8_t>> Keys(int fd, size_t key_size) {
  std::vector<std::vector<uint8_t>> keys;
  std::vector<uint8_t> next(key_size);
  while (bpf_map_get_next_key(fd, keys.empty() ? nullptr : keys.back().data(), next.data()) == 0) {
    keys.push_back(next);
  }
  return keys;
}

std::string RuleText(const PolicyRuleSpec& r) {
  return absl::StrCat(r.action == RuleAction::kAllow ? "allow " : "deny ",
                      r.peer ? r.peer->ToString() : "any", " proto ", r.proto, " ports ",
                      r.port_min, "-", r.port_max);
}

// The two veths of the fixture (endpoints need a real interface).
struct Veths {
  std::string a, b;
};

using NodeStep = std::function<absl::Status(Node&, const Veths&)>;

class NodeCrashRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    pin_dir_ = absl::StrCat("/sys/fs/bpf/sluice-node-crash-test-", getpid());
    // "sncr" + up to 5 digits + "a"/"b" + "p" (peer) fits IFNAMSIZ.
    const std::string base = absl::StrCat("sncr", getpid() % 100000);
    for (std::string* veth : {&veths_.a, &veths_.b}) {
      *veth = base + (veth == &veths_.a ? "a" : "b");
      ASSERT_EQ(0, std::system(absl::StrCat("ip link add ", *veth, " type veth peer name ", *veth,
                                            "p && ip link set ", *veth, " up").c_str()));
    }
  }
  void TearDown() override {
    Close();
    for (const std::string& veth : {veths_.a, veths_.b}) {
      if (!veth.empty()) std::system(absl::StrCat("ip link del ", veth, " 2>/dev/null").c_str());
    }
    RemovePins();
  }

  void RemovePins() {
    if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
  }

  // A fresh start: no pins, and no filters left on the veths by an earlier
  // run (their programs would still read that run's maps).
  void Wipe() {
    Close();
    RemovePins();
    for (const std::string& veth : {veths_.a, veths_.b}) {
      std::system(absl::StrCat("tc qdisc del dev ", veth, " clsact 2>/dev/null").c_str());
    }
  }

  // Loads the programs over the pins and restores (lbd's start).
  absl::Status Open() {
    auto dp = NodeDatapath::Open(testing::SmallNodeDatapathOptions(pin_dir_));
    if (!dp.ok()) return dp.status();
    datapath_ = std::move(*dp);
    return Restart();
  }
  // A new Node over the same maps: the restore of a restarted lbd without
  // loading the programs again (a load takes ~1 s; the maps, which are all
  // a restore reads, are the same).
  absl::Status Restart() {
    node_.reset();
    auto grace = GracePeriod::Create();
    if (!grace.ok()) return grace.status();
    auto node = Node::Create(datapath_.get(), std::move(*grace), 42);
    if (!node.ok()) return node.status();
    node_ = std::move(*node);
    return absl::OkStatus();
  }
  void Close() {
    node_.reset();
    datapath_.reset();
  }

  // Back to no configuration through the API (cheaper than new pins and a
  // load); whatever that leaves shows in Describe().
  absl::Status DeleteEverything() {
    auto endpoints = node_->ListEndpoints();
    if (!endpoints.ok()) return endpoints.status();
    for (const EndpointView& ep : *endpoints) {
      if (auto s = node_->DeleteEndpoint(ep.spec.name); !s.ok()) return s;
    }
    for (const ServiceSpec& svc : node_->ListServices()) {
      if (auto s = node_->DeleteService(svc.key); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  bool FilterOn(const std::string& veth, const char* hook) {
    return std::system(absl::StrCat("tc filter show dev ", veth, " ", hook,
                                    " | grep -q sluice_").c_str()) == 0;
  }

  // Entries of the policy trie under `policy_id`.
  size_t TrieEntries(uint32_t policy_id) {
    size_t n = 0;
    for (const auto& raw : Keys(datapath_->policy_fd(), sizeof(sluice_policy_key))) {
      n += reinterpret_cast<const sluice_policy_key*>(raw.data())->policy_id == policy_id;
    }
    return n;
  }

  // Rule specs of (`policy_id`, direction `d`).
  size_t RuleSpecs(uint32_t policy_id, Direction d) {
    size_t n = 0;
    for (const auto& raw : Keys(datapath_->policy_rule_specs_fd(), sizeof(uint32_t))) {
      sluice_policy_rule_spec v;
      if (bpf_map_lookup_elem(datapath_->policy_rule_specs_fd(), raw.data(), &v)) continue;
      n += v.policy_id == policy_id && v.direction == static_cast<uint8_t>(d);
    }
    return n;
  }

  void DescribeEndpoints(std::ostream& out) {
    auto endpoints = node_->ListEndpoints();
    EXPECT_TRUE(endpoints.ok()) << endpoints.status();
    if (!endpoints.ok()) return;
    for (const EndpointView& ep : *endpoints) {
      out << "endpoint " << ep.spec.name << " iface " << ep.spec.iface << " ipv4 "
          << (ep.spec.ipv4 ? ep.spec.ipv4->ToString() : "-") << " ipv6 "
          << (ep.spec.ipv6 ? ep.spec.ipv6->ToString() : "-") << " policy in "
          << ep.ingress_policy << " out " << ep.egress_policy << "\n";
      // The datapath: its entry's policy ids name installed rules.
      sluice_endpoint entry{};
      if (bpf_map_lookup_elem(datapath_->endpoints_fd(), &ep.ifindex, &entry)) {
        out << "  no endpoint map entry\n";
        continue;
      }
      out << "  map entry " << entry.name << "\n";
      auto policy = node_->GetPolicy(ep.spec.name);
      EXPECT_TRUE(policy.ok()) << policy.status();
      if (!policy.ok()) continue;
      for (Direction d : {Direction::kIngress, Direction::kEgress}) {
        const uint32_t id = entry.policy_id[static_cast<int>(d)];
        out << "  " << DirectionName(d) << (policy->of(d) ? "" : " open")
            << (id ? "" : " (no policy id)") << " specs " << RuleSpecs(id, d) << " trie "
            << (id ? TrieEntries(id) : 0) << "\n";
        if (!policy->of(d)) continue;
        for (const PolicyRuleSpec& r : *policy->of(d)) out << "    " << RuleText(r) << "\n";
      }
    }
    for (const std::string& veth : {veths_.a, veths_.b}) {
      out << "veth " << (veth == veths_.a ? "a" : "b") << " filters in "
          << FilterOn(veth, "ingress") << " out " << FilterOn(veth, "egress") << "\n";
    }
  }

  void DescribeServices(std::ostream& out) {
    for (const ServiceSpec& svc : node_->ListServices()) {
      out << "service " << svc.key.ToString() << "\n";
      // The datapath: the table in use, as entries per live backend of the
      // service (ids left out: a restart may renumber).
      std::map<std::string, int> entries;
      sluice_vip_key key = svc.key.ToBpf();
      sluice_service value{};
      sluice_svc_ring ring{};
      if (bpf_map_lookup_elem(datapath_->services_fd(), &key, &value) ||
          bpf_map_lookup_elem(datapath_->svc_rings_fd(), &value.ring_id, &ring)) {
        out << "  no service entry or table\n";
      } else {
        for (uint32_t id : ring.backend) {
          sluice_svc_backend b{};
          bool live = bpf_map_lookup_elem(datapath_->svc_backends_fd(), &id, &b) == 0 &&
                      (b.flags & SLUICE_BACKEND_LIVE) && b.svc_id == value.svc_id;
          ++entries[live ? absl::StrCat(IpAddress::FromWords(b.family == SLUICE_FAMILY_V4
                                                                 ? AF_INET : AF_INET6,
                                                             b.addr).ToString(),
                                        ":", ntohs(b.port))
                         : "(not a live backend of the service)"];
        }
      }
      for (const ServiceBackendSpec& b : svc.backends) {
        std::string name = absl::StrCat(b.address.ToString(), ":", b.port);
        out << "  backend " << name << " weight " << b.weight << " entries " << entries[name]
            << "\n";
        entries.erase(name);
      }
      for (const auto& [name, n] : entries) {
        if (n) out << "  table names unlisted " << name << " entries " << n << "\n";
      }
    }
  }

  // What the maps hold in all: a leak shows here.
  void DescribeMapSizes(std::ostream& out) {
    size_t live_backends = 0;
    for (uint32_t id = 0; id < datapath_->options().max_service_backends; ++id) {
      sluice_svc_backend b{};
      if (bpf_map_lookup_elem(datapath_->svc_backends_fd(), &id, &b) == 0) {
        live_backends += (b.flags & SLUICE_BACKEND_LIVE) != 0;
      }
    }
    out << "maps: endpoints " << Keys(datapath_->endpoints_fd(), sizeof(uint32_t)).size()
        << " services " << Keys(datapath_->services_fd(), sizeof(sluice_vip_key)).size()
        << " tables " << Keys(datapath_->svc_rings_fd(), sizeof(uint32_t)).size()
        << " live backends " << live_backends << " members "
        << Keys(datapath_->svc_members_fd(), sizeof(sluice_svc_member_key)).size()
        << " rule specs "
        << Keys(datapath_->policy_rule_specs_fd(), sizeof(uint32_t)).size() << " trie entries "
        << Keys(datapath_->policy_fd(), sizeof(sluice_policy_key)).size() << "\n";
  }

  // The configuration as an operator sees it, with what the datapath holds
  // for it.
  std::string Describe() {
    std::ostringstream out;
    DescribeEndpoints(out);
    DescribeServices(out);
    DescribeMapSizes(out);
    return out.str();
  }

  // The whole check for one kind of commit.
  void ExpectAllOldOrAllNew(const NodeStep& setup, const NodeStep& change) {
    Wipe();
    ASSERT_TRUE(Open().ok());
    const std::string empty = Describe();
    ASSERT_TRUE(setup(*node_, veths_).ok());
    ASSERT_TRUE(Restart().ok());
    const std::string before = Describe();

    // A dry run: the state after, and how many writes it takes.
    ArmCrashBefore(0);
    absl::Status s = change(*node_, veths_);
    ASSERT_TRUE(s.ok()) << "change: " << s;
    const uint64_t writes = MapWritesSinceArmed();
    const std::string after = Describe();
    ASSERT_NE(before, after) << "the change changes nothing";
    Close();
    ASSERT_TRUE(Open().ok());   // a real restart, over the pins
    ASSERT_EQ(Describe(), after) << "a completed commit does not survive a restart";
    ASSERT_GT(writes, 0u);

    for (uint64_t n = 1; n <= writes; ++n) {
      ASSERT_TRUE(DeleteEverything().ok());
      ASSERT_EQ(Describe(), empty) << "deleting everything left something";
      ASSERT_TRUE(setup(*node_, veths_).ok());
      ASSERT_TRUE(Restart().ok());
      absl::Status crashed =
          RunInChildCrashingBefore(n, [&] { change(*node_, veths_).IgnoreError(); });
      ASSERT_TRUE(crashed.ok()) << crashed;
      ASSERT_TRUE(Restart().ok()) << "restore after a crash before write " << n;
      const std::string restored = Describe();
      EXPECT_TRUE(restored == before || restored == after)
          << "crash before write " << n << " of " << writes << " restored a mix:\n"
          << restored << "before:\n" << before << "after:\n" << after;
    }
  }

  std::string pin_dir_;
  Veths veths_;
  std::unique_ptr<NodeDatapath> datapath_;
  std::unique_ptr<Node> node_;
};

const VipKey kWeb = Svc("10.96.0.10", 80);
const VipKey kDns = {Ip("10.96.0.53"), 53, IPPROTO_UDP};

PolicySpec WebPolicy() {
  PolicySpec p;
  p.ingress = {Allow("10.0.0.0/8", IPPROTO_TCP, 80, 80), Deny("10.0.9.0/24")};
  p.egress = {Allow("0.0.0.0/0", IPPROTO_UDP, 53, 53)};
  return p;
}

// Endpoint "web" on veth a with a policy both ways; two services, one with
// a drained backend.
absl::Status WebAndTwoServices(Node& node, const Veths& veths) {
  if (auto s = node.AddEndpoint({"web", veths.a, Ip("10.0.1.2"), Ip("fd00:1::2")}); !s.ok()) {
    return s;
  }
  if (auto s = node.SetPolicy("web", WebPolicy()); !s.ok()) return s;
  if (auto s = node.AddService({kWeb,
                                {{Ip("10.0.2.1"), 8080, 100},
                                 {Ip("10.0.2.2"), 8080, 100},
                                 {Ip("10.0.2.3"), 8080, 0}}});
      !s.ok()) {
    return s;
  }
  return node.AddService({kDns, {{Ip("10.0.3.1"), 53, 100}}});
}

// ---- Endpoints ------------------------------------------------------------

TEST_F(NodeCrashRestoreTest, AddEndpoint) {
  ExpectAllOldOrAllNew(WebAndTwoServices, [](Node& node, const Veths& veths) {
    return node.AddEndpoint({"db", veths.b, Ip("10.0.1.3"), std::nullopt});
  });
}

TEST_F(NodeCrashRestoreTest, DeleteEndpointWithPolicy) {
  ExpectAllOldOrAllNew(WebAndTwoServices,
                       [](Node& node, const Veths&) { return node.DeleteEndpoint("web"); });
}

// ---- Services -------------------------------------------------------------

TEST_F(NodeCrashRestoreTest, CreateService) {
  ExpectAllOldOrAllNew(WebAndTwoServices, [](Node& node, const Veths&) {
    return node.AddService({Svc("10.96.0.11", 443),
                            {{Ip("10.0.4.1"), 8443, 100}, {Ip("10.0.4.2"), 8443, 0}}});
  });
}

// One backend stays, one goes, one comes.
TEST_F(NodeCrashRestoreTest, ReplaceServiceBackends) {
  ExpectAllOldOrAllNew(WebAndTwoServices, [](Node& node, const Veths&) {
    return node.AddService({kWeb,
                            {{Ip("10.0.2.1"), 8080, 100},
                             {Ip("10.0.2.3"), 8080, 0},
                             {Ip("10.0.2.4"), 8080, 100}}});
  });
}

TEST_F(NodeCrashRestoreTest, ReplaceServiceReweighs) {
  ExpectAllOldOrAllNew(WebAndTwoServices, [](Node& node, const Veths&) {
    return node.AddService({kWeb,
                            {{Ip("10.0.2.1"), 8080, 30},
                             {Ip("10.0.2.2"), 8080, 100},
                             {Ip("10.0.2.3"), 8080, 0}}});
  });
}

TEST_F(NodeCrashRestoreTest, ReplaceServiceAddsADrainedBackend) {
  ExpectAllOldOrAllNew(WebAndTwoServices, [](Node& node, const Veths&) {
    return node.AddService({kDns, {{Ip("10.0.3.1"), 53, 100}, {Ip("10.0.3.2"), 53, 0}}});
  });
}

TEST_F(NodeCrashRestoreTest, ReplaceServiceRemovesADrainedBackend) {
  ExpectAllOldOrAllNew(WebAndTwoServices, [](Node& node, const Veths&) {
    return node.AddService({kWeb, {{Ip("10.0.2.1"), 8080, 100}, {Ip("10.0.2.2"), 8080, 100}}});
  });
}

TEST_F(NodeCrashRestoreTest, DeleteService) {
  ExpectAllOldOrAllNew(WebAndTwoServices,
                       [](Node& node, const Veths&) { return node.DeleteService(kWeb); });
}

// ---- Policies -------------------------------------------------------------

absl::Status WebAndDb(Node& node, const Veths& veths) {
  if (auto s = WebAndTwoServices(node, veths); !s.ok()) return s;
  return node.AddEndpoint({"db", veths.b, Ip("10.0.1.3"), std::nullopt});
}

TEST_F(NodeCrashRestoreTest, SetPolicy) {
  ExpectAllOldOrAllNew(WebAndDb, [](Node& node, const Veths&) {
    PolicySpec p;
    p.ingress = {Allow("10.0.1.2/32", IPPROTO_TCP, 5432, 5432), Allow("fd00::/16")};
    return node.SetPolicy("db", p);
  });
}

TEST_F(NodeCrashRestoreTest, ReplacePolicy) {
  ExpectAllOldOrAllNew(WebAndTwoServices, [](Node& node, const Veths&) {
    PolicySpec p;
    p.ingress = {Allow("10.0.0.0/16", IPPROTO_TCP, 80, 443), Deny("10.0.0.66/32")};
    p.egress = std::vector<PolicyRuleSpec>{};   // deny every egress
    return node.SetPolicy("web", p);
  });
}

TEST_F(NodeCrashRestoreTest, ReplacePolicyOpeningOneDirection) {
  ExpectAllOldOrAllNew(WebAndTwoServices, [](Node& node, const Veths&) {
    PolicySpec p;
    p.ingress = WebPolicy().ingress;
    return node.SetPolicy("web", p);
  });
}

TEST_F(NodeCrashRestoreTest, ClearPolicy) {
  ExpectAllOldOrAllNew(WebAndTwoServices,
                       [](Node& node, const Veths&) { return node.ClearPolicy("web"); });
}

}  // namespace
}  // namespace sluice::node
