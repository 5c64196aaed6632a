// Node against the real tc programs: loaded with their maps pinned in a
// private bpffs directory, attached to a veth pair made for the test, driven
// through the engine's API and checked in the maps (packets through the
// programs are the business of datapath/tc/endpoint_test and the netns test).
#include "node/node.h"

#include <bpf/bpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "node/policy_compiler.h"
#include "node/testing/small_node_datapath.h"

namespace sluice::node {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

IpAddress Ip(const char* text) { return *ParseIpAddress(text); }
IpPrefix Prefix(const char* text) { return *ParseIpPrefix(text); }
VipKey Svc(const char* address, uint16_t port) { return {Ip(address), port, IPPROTO_TCP}; }

PolicyRuleSpec Allow(const char* peer, uint8_t proto = 0, uint16_t lo = 0, uint16_t hi = 65535) {
  return {RuleAction::kAllow, Prefix(peer), proto, lo, hi};
}
PolicyRuleSpec Deny(const char* peer) { return {RuleAction::kDeny, Prefix(peer), 0, 0, 65535}; }

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    pin_dir_ = absl::StrCat("/sys/fs/bpf/sluice-node-test-", getpid());
    veth_ = absl::StrCat("snt", getpid() % 100000);
    ASSERT_EQ(0, std::system(absl::StrCat("ip link add ", veth_, " type veth peer name ", veth_,
                                          "p && ip link set ", veth_, " up").c_str()));
    Open();
  }

  void TearDown() override {
    node_.reset();
    datapath_.reset();
    if (!veth_.empty()) std::system(absl::StrCat("ip link del ", veth_, " 2>/dev/null").c_str());
    if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
  }

  void Open(bool programs_in_background = false) {
    NodeDatapathOptions o = testing::SmallNodeDatapathOptions(pin_dir_);
    o.load_programs_in_background = programs_in_background;
    auto dp = NodeDatapath::Open(o);
    ASSERT_TRUE(dp.ok()) << dp.status();
    datapath_ = std::move(*dp);
    auto grace = GracePeriod::Create();
    ASSERT_TRUE(grace.ok()) << grace.status();
    auto node = Node::Create(datapath_.get(), std::move(*grace), 42);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(*node);
  }

  void Reopen(bool programs_in_background = false) {
    node_.reset();
    datapath_.reset();
    Open(programs_in_background);
  }

  EndpointSpec Endpoint(const char* name = "web") {
    return {name, veth_, Ip("10.0.1.2"), std::nullopt};
  }

  sluice_endpoint EndpointEntry() {
    uint32_t ifindex = if_nametoindex(veth_.c_str());
    sluice_endpoint v{};
    EXPECT_EQ(0, bpf_map_lookup_elem(datapath_->endpoints_fd(), &ifindex, &v));
    return v;
  }

  size_t CountKeys(int fd, size_t key_size) {
    std::vector<uint8_t> key(key_size), next(key_size);
    size_t n = 0;
    void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
      ++n;
      key = next;
      prev = key.data();
    }
    return n;
  }

  bool TcFilterOn(const char* hook) {
    std::string cmd = absl::StrCat("tc filter show dev ", veth_, " ", hook,
                                   " | grep -q sluice_");
    return std::system(cmd.c_str()) == 0;
  }

  void PutConnection(const sluice_ct_key& key, uint8_t flags, uint64_t last_seen,
                     uint32_t backend_id = 0) {
    sluice_ct_entry e{};
    e.flags = flags;
    e.last_seen_ns = last_seen;
    e.backend_id = backend_id;
    ASSERT_EQ(0, bpf_map_update_elem(datapath_->conntrack_fd(), &key, &e, BPF_ANY));
  }

  bool HasConnection(const sluice_ct_key& key) {
    sluice_ct_entry e;
    return bpf_map_lookup_elem(datapath_->conntrack_fd(), &key, &e) == 0;
  }

  std::string pin_dir_, veth_;
  std::unique_ptr<NodeDatapath> datapath_;
  std::unique_ptr<Node> node_;
};

sluice_ct_key FlowKey(uint8_t proto, uint16_t sport, uint8_t kind = SLUICE_CT_CONN,
                      const char* dst = "10.0.2.3", uint16_t dport = 8080) {
  return CtKey(Ip("10.0.1.2"), sport, Ip(dst), dport, proto, kind);
}

TEST_F(NodeTest, EndpointAttachesBothProgramsAndDetachesOnDelete) {
  ASSERT_TRUE(node_->AddEndpoint(Endpoint()).ok());
  EXPECT_TRUE(TcFilterOn("ingress"));
  EXPECT_TRUE(TcFilterOn("egress"));
  sluice_endpoint v = EndpointEntry();
  EXPECT_STREQ("web", v.name);
  EXPECT_EQ(0u, v.policy_id[0]);

  EXPECT_EQ(absl::StatusCode::kAlreadyExists, node_->AddEndpoint(Endpoint()).code());
  EXPECT_EQ(absl::StatusCode::kAlreadyExists, node_->AddEndpoint(Endpoint("other")).code())
      << "one endpoint per interface";
  EndpointSpec missing = Endpoint("ghost");
  missing.iface = "no-such-if0";
  EXPECT_EQ(absl::StatusCode::kNotFound, node_->AddEndpoint(missing).code());

  ASSERT_TRUE(node_->DeleteEndpoint("web").ok());
  EXPECT_FALSE(TcFilterOn("ingress"));
  EXPECT_FALSE(TcFilterOn("egress"));
  EXPECT_EQ(0u, CountKeys(datapath_->endpoints_fd(), sizeof(uint32_t)));
  EXPECT_EQ(absl::StatusCode::kNotFound, node_->DeleteEndpoint("web").code());
}

// BPF host routing hands packets to an endpoint's veth peer, which the
// kernel only does (bpf_redirect_peer) for a peer in another namespace.
TEST_F(NodeTest, OnlyAVethWithItsPeerInAnotherNamespaceIsMarkedForHandOver) {
  ASSERT_TRUE(node_->AddEndpoint(Endpoint()).ok());
  EXPECT_EQ(0u, EndpointEntry().flags & SLUICE_ENDPOINT_VETH_PEER) << "peer in this namespace";
  ASSERT_TRUE(node_->DeleteEndpoint("web").ok());

  struct NetnsGone {   // also when an assertion ends the test early
    std::string name;
    ~NetnsGone() { std::system(absl::StrCat("ip netns del ", name, " 2>/dev/null").c_str()); }
  } ns{absl::StrCat("snt-ns", getpid() % 100000)};
  ASSERT_EQ(0, std::system(absl::StrCat("ip netns add ", ns.name, " && ip link set ", veth_,
                                        "p netns ", ns.name).c_str()));
  ASSERT_TRUE(node_->AddEndpoint(Endpoint()).ok());
  EXPECT_NE(0u, EndpointEntry().flags & SLUICE_ENDPOINT_VETH_PEER);
  Reopen();
  EXPECT_NE(0u, EndpointEntry().flags & SLUICE_ENDPOINT_VETH_PEER) << "kept across a restart";
}

TEST_F(NodeTest, OtherFiltersOnTheHookAreLeftAlone) {
  ASSERT_EQ(0, std::system(absl::StrCat("tc qdisc add dev ", veth_, " clsact && tc filter add dev ",
                                        veth_, " ingress prio 7 protocol all u32 match u32 0 0 classid 1:1").c_str()));
  ASSERT_TRUE(node_->AddEndpoint(Endpoint()).ok());
  ASSERT_TRUE(node_->DeleteEndpoint("web").ok());
  EXPECT_EQ(0, std::system(absl::StrCat("tc filter show dev ", veth_,
                                        " ingress | grep -q u32").c_str()));
}

TEST_F(NodeTest, PolicySwitchesAtomicallyAndOldRulesGo) {
  ASSERT_TRUE(node_->AddEndpoint(Endpoint()).ok());
  PolicySpec first;
  first.ingress = {{Allow("10.0.0.0/8", IPPROTO_TCP, 80, 80), Deny("10.9.0.0/16")}};
  ASSERT_TRUE(node_->SetPolicy("web", first).ok());
  uint32_t first_id = EndpointEntry().policy_id[SLUICE_INGRESS];
  EXPECT_NE(0u, first_id);
  EXPECT_EQ(0u, EndpointEntry().policy_id[SLUICE_EGRESS]) << "egress stays open";

  // The /16 entry carries the covering /8 rule too: one lookup sees both.
  sluice_policy_entry entry;
  sluice_policy_key key = PolicyKey(first_id, Prefix("10.9.0.0/16"));
  ASSERT_EQ(0, bpf_map_lookup_elem(datapath_->policy_fd(), &key, &entry));
  EXPECT_EQ(2u, entry.count);

  PolicySpec second;
  second.egress = {{Allow("0.0.0.0/0", IPPROTO_UDP, 53, 53)}};
  ASSERT_TRUE(node_->SetPolicy("web", second).ok());
  EXPECT_EQ(0u, EndpointEntry().policy_id[SLUICE_INGRESS]);
  EXPECT_NE(0u, EndpointEntry().policy_id[SLUICE_EGRESS]);
  EXPECT_NE(0, bpf_map_lookup_elem(datapath_->policy_fd(), &key, &entry)) << "old rules removed";
  EXPECT_EQ(1u, CountKeys(datapath_->policy_fd(), sizeof(sluice_policy_key)));
  EXPECT_EQ(1u, CountKeys(datapath_->policy_rule_specs_fd(), sizeof(uint32_t)));

  auto got = node_->GetPolicy("web");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->ingress.has_value());
  ASSERT_TRUE(got->egress.has_value());
  EXPECT_EQ(53, (*got->egress)[0].port_min);

  ASSERT_TRUE(node_->ClearPolicy("web").ok());
  EXPECT_EQ(0u, CountKeys(datapath_->policy_fd(), sizeof(sluice_policy_key)));
  EXPECT_EQ(0u, EndpointEntry().policy_id[SLUICE_EGRESS]);
}

TEST_F(NodeTest, RejectedPolicyChangesNothing) {
  ASSERT_TRUE(node_->AddEndpoint(Endpoint()).ok());
  PolicySpec good;
  good.ingress = {{Allow("10.0.0.0/8")}};
  ASSERT_TRUE(node_->SetPolicy("web", good).ok());
  uint32_t before = EndpointEntry().policy_id[SLUICE_INGRESS];

  PolicySpec too_many;
  too_many.ingress.emplace();
  for (int i = 0; i <= SLUICE_POLICY_MAX_RULES; ++i) too_many.ingress->push_back(Allow("10.0.0.0/8"));
  absl::Status s = node_->SetPolicy("web", too_many);
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, s.code());
  EXPECT_NE(std::string::npos, s.message().find("10.0.0.0/8")) << s;

  PolicySpec bad_range;
  bad_range.egress = {{Allow("0.0.0.0/0", IPPROTO_TCP, 90, 80)}};
  s = node_->SetPolicy("web", bad_range);
  EXPECT_EQ(absl::StatusCode::kInvalidArgument, s.code());
  EXPECT_NE(std::string::npos, s.message().find("egress rule 1")) << s;

  EXPECT_EQ(before, EndpointEntry().policy_id[SLUICE_INGRESS]);
  EXPECT_EQ(1u, CountKeys(datapath_->policy_fd(), sizeof(sluice_policy_key)));
  EXPECT_EQ(1u, CountKeys(datapath_->policy_rule_specs_fd(), sizeof(uint32_t)));
}

TEST_F(NodeTest, ServiceBackendsThatStayKeepTheirIds) {
  ServiceSpec svc{Svc("10.96.0.10", 80),
                  {{Ip("10.0.2.3"), 8080, 100}, {Ip("10.0.2.4"), 8080, 100}}};
  ASSERT_TRUE(node_->AddService(svc).ok());
  sluice_vip_key key = svc.key.ToBpf();
  sluice_service before;
  ASSERT_EQ(0, bpf_map_lookup_elem(datapath_->services_fd(), &key, &before));
  sluice_svc_ring ring;
  ASSERT_EQ(0, bpf_map_lookup_elem(datapath_->svc_rings_fd(), &before.ring_id, &ring));
  std::set<uint32_t> ids(std::begin(ring.backend), std::end(ring.backend));
  ASSERT_EQ(2u, ids.size());

  svc.backends = {{Ip("10.0.2.4"), 8080, 100}, {Ip("10.0.2.5"), 8080, 0}};
  ASSERT_TRUE(node_->AddService(svc).ok());
  sluice_service after;
  ASSERT_EQ(0, bpf_map_lookup_elem(datapath_->services_fd(), &key, &after));
  EXPECT_EQ(before.svc_id, after.svc_id);
  EXPECT_NE(before.ring_id, after.ring_id);
  EXPECT_NE(0, bpf_map_lookup_elem(datapath_->svc_rings_fd(), &before.ring_id, &ring))
      << "old table freed";
  ASSERT_EQ(0, bpf_map_lookup_elem(datapath_->svc_rings_fd(), &after.ring_id, &ring));
  std::set<uint32_t> now(std::begin(ring.backend), std::end(ring.backend));
  ASSERT_EQ(1u, now.size()) << "weight 0 takes no table entries";
  EXPECT_TRUE(ids.count(*now.begin())) << "10.0.2.4 kept its id";

  EXPECT_EQ(absl::StatusCode::kInvalidArgument,
            node_->AddService({Svc("10.96.0.10", 0), {}}).code());
  EXPECT_EQ(absl::StatusCode::kInvalidArgument,
            node_->AddService({Svc("10.96.0.11", 80), {{Ip("fd00::1"), 80, 1}}}).code());
  ASSERT_TRUE(node_->DeleteService(svc.key).ok());
  EXPECT_EQ(0u, CountKeys(datapath_->services_fd(), sizeof(sluice_vip_key)));
  EXPECT_EQ(0u, CountKeys(datapath_->svc_rings_fd(), sizeof(uint32_t)));
}

TEST_F(NodeTest, FullServiceTableChangesNothing) {
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(node_->AddService({Svc("10.96.0.10", 80 + i), {{Ip("10.0.2.3"), 80, 1}}}).ok());
  }
  absl::Status s = node_->AddService({Svc("10.96.0.10", 100), {{Ip("10.0.2.3"), 80, 1}}});
  EXPECT_EQ(absl::StatusCode::kResourceExhausted, s.code()) << s;
  EXPECT_EQ(8u, node_->ListServices().size());
  EXPECT_EQ(8u, CountKeys(datapath_->svc_rings_fd(), sizeof(uint32_t)));
}

TEST_F(NodeTest, RestartRestoresEndpointsPoliciesAndServices) {
  ASSERT_TRUE(node_->AddEndpoint(Endpoint()).ok());
  PolicySpec policy;
  policy.ingress = {{Allow("10.0.1.0/24", IPPROTO_TCP, 8000, 8099), Deny("10.0.1.66/32")}};
  policy.egress.emplace();   // deny everything out
  ASSERT_TRUE(node_->SetPolicy("web", policy).ok());
  ASSERT_TRUE(node_->AddService({Svc("10.96.0.10", 80),
                                 {{Ip("10.0.2.3"), 8080, 100}, {Ip("10.0.2.4"), 8081, 0}}})
                  .ok());
  Reopen();

  auto endpoints = node_->ListEndpoints();
  ASSERT_TRUE(endpoints.ok());
  ASSERT_EQ(1u, endpoints->size());
  EXPECT_EQ("web", (*endpoints)[0].spec.name);
  EXPECT_EQ(veth_, (*endpoints)[0].spec.iface);
  EXPECT_EQ("10.0.1.2", (*endpoints)[0].spec.ipv4->ToString());
  auto restored = node_->GetPolicy("web");
  ASSERT_TRUE(restored.ok());
  ASSERT_EQ(2u, restored->ingress->size());
  EXPECT_EQ(8099, (*restored->ingress)[0].port_max);
  EXPECT_EQ("10.0.1.66/32", (*restored->ingress)[1].peer->ToString());
  EXPECT_TRUE(restored->egress.has_value() && restored->egress->empty());
  auto services = node_->ListServices();
  ASSERT_EQ(1u, services.size());
  ASSERT_EQ(2u, services[0].backends.size());
  EXPECT_EQ(8081, services[0].backends[1].port);
  EXPECT_EQ(0u, services[0].backends[1].weight);
  EXPECT_TRUE(TcFilterOn("ingress"));

  // And the restored model is usable: a change replaces what was restored.
  ASSERT_TRUE(node_->SetPolicy("web", {}).ok());
  EXPECT_EQ(0u, CountKeys(datapath_->policy_fd(), sizeof(sluice_policy_key)));
}

// lbd's start: the programs verify on a thread of their own while the
// model is restored; attaching an endpoint waits for them.
TEST_F(NodeTest, ProgramsLoadedInTheBackgroundAttachEndpoints) {
  Reopen(/*programs_in_background=*/true);   // closed while still loading
  Reopen(/*programs_in_background=*/true);
  ASSERT_TRUE(node_->AddEndpoint(Endpoint()).ok());
  EXPECT_TRUE(TcFilterOn("ingress"));
  EXPECT_TRUE(TcFilterOn("egress"));

  // A restart re-attaches the restored endpoint's programs once loaded.
  std::system(absl::StrCat("tc qdisc del dev ", veth_, " clsact").c_str());
  Reopen(/*programs_in_background=*/true);
  EXPECT_TRUE(TcFilterOn("ingress"));
  EXPECT_TRUE(TcFilterOn("egress"));
  ASSERT_TRUE(node_->DeleteEndpoint("web").ok());
  EXPECT_FALSE(TcFilterOn("ingress"));
}

// Pins left by an lbd from before svc_members (the members of each service
// table) have none: the restart takes every live backend of a service in use
// with its recorded weight, and records the members for the next restart.
TEST_F(NodeTest, RestartOverPinsWithoutServiceMembersKeepsTheBackends) {
  ASSERT_TRUE(node_->AddService({Svc("10.96.0.10", 80),
                                 {{Ip("10.0.2.3"), 8080, 100}, {Ip("10.0.2.4"), 8081, 0}}})
                  .ok());
  node_.reset();
  const int members = datapath_->svc_members_fd();
  sluice_svc_member_key key;
  while (bpf_map_get_next_key(members, nullptr, &key) == 0) {
    ASSERT_EQ(0, bpf_map_delete_elem(members, &key));
  }
  for (int restart = 0; restart < 2; ++restart) {
    Reopen();
    auto services = node_->ListServices();
    ASSERT_EQ(1u, services.size()) << "restart " << restart;
    ASSERT_EQ(2u, services[0].backends.size()) << "restart " << restart;
    EXPECT_EQ(100u, services[0].backends[0].weight);
    EXPECT_EQ(0u, services[0].backends[1].weight);
  }
  EXPECT_EQ(2u, CountKeys(datapath_->svc_members_fd(), sizeof(sluice_svc_member_key)));
}

TEST_F(NodeTest, SweepExpiresConnectionsByState) {
  const uint64_t now = 1000000 * kSecond;
  ConntrackTimeouts t;
  struct Case {
    const char* what;
    uint8_t proto;
    uint8_t flags;
    uint64_t idle;
    bool survives;
  } cases[] = {
      {"tcp syn, recent", IPPROTO_TCP, 0, t.tcp_syn_ns - kSecond, true},
      {"tcp syn, unanswered", IPPROTO_TCP, 0, t.tcp_syn_ns + kSecond, false},
      {"tcp established, idle an hour", IPPROTO_TCP, SLUICE_CT_SEEN_REPLY, 3600 * kSecond, true},
      {"tcp established, idle past timeout", IPPROTO_TCP, SLUICE_CT_SEEN_REPLY,
       t.tcp_established_ns + kSecond, false},
      {"tcp closed by fin", IPPROTO_TCP, SLUICE_CT_SEEN_REPLY | SLUICE_CT_TCP_FIN,
       t.tcp_closing_ns + kSecond, false},
      {"udp, active", IPPROTO_UDP, SLUICE_CT_SEEN_REPLY, t.udp_ns - kSecond, true},
      {"udp, idle", IPPROTO_UDP, SLUICE_CT_SEEN_REPLY, t.udp_ns + kSecond, false},
  };
  uint16_t port = 40000;
  for (const Case& c : cases) PutConnection(FlowKey(c.proto, port++), c.flags, now - c.idle);

  auto swept = node_->SweepConnections(now);
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(std::size(cases), swept->scanned);
  port = 40000;
  for (const Case& c : cases) {
    EXPECT_EQ(c.survives, HasConnection(FlowKey(c.proto, port++))) << c.what;
  }
}

TEST_F(NodeTest, ServiceEntryLivesAsLongAsItsConnection) {
  ASSERT_TRUE(node_->AddService({Svc("10.96.0.10", 80), {{Ip("10.0.2.3"), 8080, 100}}}).ok());
  sluice_vip_key key = Svc("10.96.0.10", 80).ToBpf();
  sluice_service svc;
  ASSERT_EQ(0, bpf_map_lookup_elem(datapath_->services_fd(), &key, &svc));
  sluice_svc_ring ring;
  ASSERT_EQ(0, bpf_map_lookup_elem(datapath_->svc_rings_fd(), &svc.ring_id, &ring));
  uint32_t backend = ring.backend[0];

  const uint64_t now = 1000000 * kSecond;
  // An idle but established connection: its service entry (which only sees
  // the client's packets, never the replies) must stay with it.
  sluice_ct_key established_svc = FlowKey(IPPROTO_TCP, 40001, SLUICE_CT_SERVICE, "10.96.0.10", 80);
  PutConnection(established_svc, 0, now - 3600 * kSecond, backend);
  PutConnection(FlowKey(IPPROTO_TCP, 40001), SLUICE_CT_SEEN_REPLY, now - 3600 * kSecond);
  // A service entry whose connection entry is gone.
  sluice_ct_key orphan = FlowKey(IPPROTO_TCP, 40002, SLUICE_CT_SERVICE, "10.96.0.10", 80);
  PutConnection(orphan, 0, now, backend);

  ASSERT_TRUE(node_->SweepConnections(now).ok());
  EXPECT_TRUE(HasConnection(established_svc));
  EXPECT_FALSE(HasConnection(orphan));
}

TEST(PolicyCompilerTest, EveryPrefixCarriesTheRulesOfItsCoveringPrefixes) {
  std::vector<PolicyRuleSpec> rules = {Allow("10.0.0.0/8", IPPROTO_TCP, 80, 80),
                                       Deny("10.1.0.0/16"), Allow("10.1.2.3/32", IPPROTO_ICMP),
                                       {RuleAction::kAllow, std::nullopt, IPPROTO_ICMP, 0, 65535}};
  std::vector<uint32_t> ids = {11, 12, 13, 14};
  auto entries = CompilePolicy(rules, ids);
  ASSERT_TRUE(entries.ok()) << entries.status();
  std::map<std::string, sluice_policy_entry> by_prefix;
  for (const auto& e : *entries) by_prefix[e.prefix.ToString()] = e.value;
  ASSERT_EQ(5u, by_prefix.size());   // 0.0.0.0/0, ::/0 and the three
  const sluice_policy_entry& host = by_prefix["10.1.2.3/32"];
  ASSERT_EQ(4u, host.count);
  EXPECT_EQ(11u, host.rules[0].rule_id) << "file order";
  EXPECT_EQ(12u, host.rules[1].rule_id);
  EXPECT_EQ(13u, host.rules[2].rule_id);
  EXPECT_EQ(IPPROTO_ICMP, host.rules[3].proto);
  EXPECT_EQ(1u, by_prefix["::/0"].count);
  EXPECT_EQ(IPPROTO_ICMPV6, by_prefix["::/0"].rules[0].proto) << "icmp means ICMPv6 for v6 peers";
  EXPECT_EQ(2u, by_prefix["10.0.0.0/8"].count);
}

}  // namespace
}  // namespace sluice::node
