// Whole command lines against FakeLbd on a unix socket: what is sent, what
// is printed, the exit status and the one stderr line.
#include "cli/lbctl.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/fake_lbd.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sluice::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

struct Result {
  int code;
  std::string out;
  std::string err;
};

class LbctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = FakeLbd::Start();
    ASSERT_NE(fake_, nullptr) << "fake lbd did not start";
  }

  Result Run(std::vector<std::string> args, std::FILE* in = nullptr) {
    args.insert(args.begin(), {"--server", fake_->target()});
    Result r;
    r.code = RunLbctl(args, in, &r.out, &r.err);
    return r;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = absl::StrCat(fake_->dir(), "/", name);
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }

  void TearDown() override {
    for (const auto& f : files_) std::remove(f.c_str());
    fake_.reset();
  }

  std::unique_ptr<FakeLbd> fake_;
  std::vector<std::string> files_;
};

void ExpectOk(const Result& r) {
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

std::string Text(const google::protobuf::Message& m) { return m.ShortDebugString(); }

TEST_F(LbctlTest, VipAddDelList) {
  Result add = Run({"vip", "add", "10.0.0.10:80/tcp", "--hash", "src", "--ring-size", "251"});
  ExpectOk(add);
  EXPECT_EQ(add.out, "");
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::AddVipRequest>("AddVip")),
            "config { vip { address: \"10.0.0.10\" port: 80 protocol: PROTOCOL_TCP } "
            "hash: HASH_MODE_SOURCE ring_size: 251 }");

  Result json = Run({"-o", "json", "vip", "add", "[2001:db8::10]:0/udp"});
  ExpectOk(json);
  EXPECT_EQ(json.out, "{}\n");

  ExpectOk(Run({"vip", "del", "[2001:db8::10]:0/udp"}));
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::DeleteVipRequest>("DeleteVip")),
            "vip { address: \"2001:db8::10\" protocol: PROTOCOL_UDP }");

  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(vips { config { vip { address: "10.0.0.10" port: 80 protocol: PROTOCOL_TCP } }
                  backend_count: 2 })pb",
      &fake_->vips));
  Result list = Run({"vip", "list"});
  ExpectOk(list);
  EXPECT_EQ(list.out,
            "VIP               HASH    RING_SIZE  BACKENDS\n"
            "10.0.0.10:80/tcp  5tuple    default         2\n");
}

TEST_F(LbctlTest, Backends) {
  ExpectOk(Run({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.1"}));
  auto add = fake_->LastRequest<sluice::v1::AddBackendRequest>("AddBackend");
  EXPECT_EQ(add.backend().address(), "10.1.0.1");
  EXPECT_FALSE(add.backend().has_weight());  // server default

  ExpectOk(Run({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.2", "--weight", "50"}));
  EXPECT_EQ(fake_->LastRequest<sluice::v1::AddBackendRequest>("AddBackend").backend().weight(), 50u);

  ExpectOk(Run({"backend", "set", "10.0.0.10:80/tcp", "10.1.0.2", "--weight", "0"}));
  auto set = fake_->LastRequest<sluice::v1::SetBackendWeightRequest>("SetBackendWeight");
  EXPECT_EQ(set.address(), "10.1.0.2");
  EXPECT_EQ(set.weight(), 0u);
  EXPECT_EQ(set.vip().port(), 80u);

  ExpectOk(Run({"backend", "del", "10.0.0.10:80/tcp", "10.1.0.2"}));
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::DeleteBackendRequest>("DeleteBackend")),
            "vip { address: \"10.0.0.10\" port: 80 protocol: PROTOCOL_TCP } address: \"10.1.0.2\"");

  fake_->backends.add_backends()->mutable_backend()->set_address("10.1.0.1");
  fake_->backends.mutable_backends(0)->mutable_backend()->set_weight(100);
  Result list = Run({"-o", "json", "backend", "list", "10.0.0.10:80/tcp"});
  ExpectOk(list);
  EXPECT_THAT(list.out, HasSubstr("\"address\": \"10.1.0.1\""));
  EXPECT_EQ(fake_->LastRequest<sluice::v1::ListBackendsRequest>("ListBackends").vip().address(),
            "10.0.0.10");
}

TEST_F(LbctlTest, BlacklistAddDelList) {
  ExpectOk(Run({"blacklist", "add", "10.0.0.0/8", "2001:db8::/32"}));
  Result arp = Run({"-o", "json", "blacklist", "add", "--arp", "192.0.2.1"});
  ExpectOk(arp);
  EXPECT_EQ(arp.out, "{\n \"prefixes\": \"2\",\n \"arp_ips\": \"1\"\n}\n");
  ExpectOk(Run({"blacklist", "del", "2001:db8::/32"}));
  EXPECT_THAT(fake_->LastRequest<sluice::v1::BlacklistEntries>("DeleteEntries").prefixes(),
              ElementsAre("2001:db8::/32"));
  Result list = Run({"blacklist", "list"});
  ExpectOk(list);
  EXPECT_EQ(list.out, "# 1 prefixes, 1 ARP addresses\n10.0.0.0/8\narp 192.0.2.1\n");
}

TEST_F(LbctlTest, Push100kEntriesArriveComplete) {
  std::string text = "# test list\n";
  for (int i = 0; i < 100000; ++i) {
    absl::StrAppend(&text, 10 + i / 65536, ".", (i / 256) % 256, ".", i % 256, ".0/24\n");
  }
  absl::StrAppend(&text, "\narp 192.0.2.1\narp 192.0.2.2\n");
  std::string path = WriteFile("list.txt", text);

  Result r = Run({"-o", "json", "blacklist", "push", path});
  ExpectOk(r);
  EXPECT_EQ(r.out, "{\n \"prefixes\": \"100000\",\n \"arp_ips\": \"2\"\n}\n");
  sluice::v1::BlacklistEntries got = fake_->Blacklist();
  ASSERT_EQ(got.prefixes_size(), 100000);
  EXPECT_EQ(got.prefixes(0), "10.0.0.0/24");
  EXPECT_EQ(got.prefixes(99999), "11.134.159.0/24");  // 99999 = 1*65536 + 134*256 + 159
  EXPECT_THAT(got.arp_ips(), ElementsAre("192.0.2.1", "192.0.2.2"));
  EXPECT_EQ(fake_->push_messages(), 11u);  // 100002 entries in chunks of 10000

  // The list round-trips through `blacklist list` and `push`.
  Result list = Run({"blacklist", "list"});
  ExpectOk(list);
  std::string again = WriteFile("again.txt", list.out);
  ExpectOk(Run({"blacklist", "push", again}));
  EXPECT_EQ(fake_->Blacklist().SerializeAsString(), got.SerializeAsString());
}

TEST_F(LbctlTest, PushMillionLinesQuickly) {
  std::string text;
  text.reserve(20 << 20);
  for (int i = 0; i < 1000000; ++i) {
    absl::StrAppend(&text, 10 + i / 65536, ".", (i / 256) % 256, ".", i % 256, ".0/24\n");
  }
  std::string path = WriteFile("million.txt", text);
  auto start = std::chrono::steady_clock::now();
  ExpectOk(Run({"blacklist", "push", path}));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(fake_->Blacklist().prefixes_size(), 1000000);
  EXPECT_EQ(fake_->push_messages(), 100u);
  // About a second on this machine, fake server included; a loose bound.
  EXPECT_LT(elapsed, std::chrono::seconds(15));
  std::printf("push of 1,000,000 lines: %.2f s\n",
              std::chrono::duration<double>(elapsed).count());

  // The list is ~15 MB in one response, past gRPC's default 4 MB receive
  // limit, which the client lifts.
  Result list = Run({"blacklist", "list"});
  ExpectOk(list);
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 1000001);
}

TEST_F(LbctlTest, PushFromStdinAndEmpty) {
  std::FILE* in = std::tmpfile();
  ASSERT_NE(in, nullptr);
  std::fputs("10.0.0.0/8\narp 192.0.2.9\n", in);
  std::rewind(in);
  Result r = Run({"blacklist", "push", "-"}, in);
  std::fclose(in);
  ExpectOk(r);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(fake_->Blacklist().prefixes(), ElementsAre("10.0.0.0/8"));

  // An empty file clears the list.
  ExpectOk(Run({"blacklist", "push", WriteFile("empty.txt", "# nothing\n")}));
  EXPECT_EQ(fake_->Blacklist().prefixes_size(), 0);
  EXPECT_EQ(fake_->push_messages(), 1u);
}

TEST_F(LbctlTest, PushBadLineSendsNothing) {
  std::string path = WriteFile("bad.txt", "10.0.0.0/8\n\n# c\n10.0.0.0/99\n");
  Result r = Run({"blacklist", "push", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, absl::StrCat("lbctl: ", path, ":4: '10.0.0.0/99': prefix length must be 0..32\n"));
  EXPECT_TRUE(fake_->Calls().empty());

  Result missing = Run({"blacklist", "push", "/nonexistent/x"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "lbctl: /nonexistent/x: No such file or directory\n");
}

TEST_F(LbctlTest, ServerRejectsPushMidStream) {
  fake_->SetError(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "blacklist: map full"));
  std::string text;
  for (int i = 0; i < 50000; ++i) absl::StrAppend(&text, "10.", i / 256, ".", i % 256, ".1\n");
  Result r = Run({"blacklist", "push", WriteFile("big.txt", text)});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "lbctl: RESOURCE_EXHAUSTED: blacklist: map full\n");
}

TEST_F(LbctlTest, Stats) {
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(vips { vip { address: "10.0.0.10" port: 80 protocol: PROTOCOL_TCP }
                  counter { packets: 5 bytes: 300 } }
           drops { key: "src_blacklist" value { packets: 7 bytes: 420 } })pb",
      &fake_->stats));
  Result vips = Run({"stats", "vips"});
  ExpectOk(vips);
  EXPECT_EQ(vips.out,
            "VIP               PACKETS  BYTES\n"
            "10.0.0.10:80/tcp        5    300\n");
  Result drops = Run({"stats", "drops", "-o", "json"});
  ExpectOk(drops);
  EXPECT_THAT(drops.out, HasSubstr("\"src_blacklist\": {"));
  EXPECT_THAT(drops.out, ::testing::Not(HasSubstr("10.0.0.10")));
  ExpectOk(Run({"stats"}));
}

TEST_F(LbctlTest, GrpcErrorIsOneLineWithCodeAndMessage) {
  fake_->SetError(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "vip.address: '10.0.0.300' is not an IP address"));
  Result r = Run({"vip", "add", "10.0.0.10:80/tcp"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "lbctl: INVALID_ARGUMENT: vip.address: '10.0.0.300' is not an IP address\n");

  fake_->SetError(grpc::Status(grpc::StatusCode::NOT_FOUND, "vip 10.0.0.10:80/tcp:\nno such VIP"));
  Result nf = Run({"backend", "list", "10.0.0.10:80/tcp"});
  EXPECT_EQ(nf.code, 1);
  EXPECT_EQ(nf.err, "lbctl: NOT_FOUND: vip 10.0.0.10:80/tcp: no such VIP\n");
}

TEST_F(LbctlTest, Endpoints) {
  Result add = Run({"endpoint", "add", "web-1", "--iface", "veth-web1", "--ip", "2001:db8::2,10.0.1.2"});
  ExpectOk(add);
  EXPECT_EQ(add.out, "");
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::AddEndpointRequest>("AddEndpoint")),
            "endpoint { name: \"web-1\" iface: \"veth-web1\" ipv4: \"10.0.1.2\" "
            "ipv6: \"2001:db8::2\" }");
  Result del = Run({"-o", "json", "endpoint", "del", "web-1"});
  ExpectOk(del);
  EXPECT_EQ(del.out, "{}\n");
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::DeleteEndpointRequest>("DeleteEndpoint")),
            "name: \"web-1\"");

  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(endpoints { endpoint { name: "web-1" iface: "veth-web1" ipv4: "10.0.1.2" }
                       egress_policy: true })pb",
      &fake_->endpoints));
  Result list = Run({"endpoint", "list"});
  ExpectOk(list);
  EXPECT_EQ(list.out,
            "NAME   IFACE      IPV4      IPV6  INGRESS  EGRESS\n"
            "web-1  veth-web1  10.0.1.2  -     open     policy\n");
  Result one = Run({"endpoint", "list", "web-1", "-o", "json"});
  ExpectOk(one);
  EXPECT_THAT(one.out, HasSubstr("\"egress_policy\": true"));
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::ListEndpointsRequest>("ListEndpoints")),
            "name: \"web-1\"");
}

TEST_F(LbctlTest, GrammarErrorsSendNothing) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"endpoint", "add", "web-1", "--ip", "10.0.1.2"},
        {"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2"},
        {"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:80@70000"},
        {"service", "del", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:80"},
        {"policy", "show"},
        {"monitor", "now"}}) {
    Result r = Run(args);
    EXPECT_EQ(r.code, 2) << args[1];
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(Run({"endpoint", "add", "web-1", "--ip", "10.0.1.2"}).err,
            "lbctl: endpoint add: missing --iface (usage: lbctl endpoint add NAME --iface "
            "HOST_VETH --ip IP[,IP6])\n");
  EXPECT_THAT(Run({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:80@70000"}).err,
              MatchesRegex("lbctl: service add: bad backend '10.0.1.2:80@70000': weight "
                           "'70000' is not a number in 0..65535 [^\n]*\n"));
  EXPECT_TRUE(fake_->Calls().empty());
}

TEST_F(LbctlTest, Services) {
  ExpectOk(Run({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:8080",
                "--backend", "[2001:db8::5]:8080@50"}));
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::AddServiceRequest>("AddService")),
            "service { vip { address: \"10.96.0.10\" port: 80 protocol: PROTOCOL_TCP } "
            "backends { address: \"10.0.1.2\" port: 8080 } "
            "backends { address: \"2001:db8::5\" port: 8080 weight: 50 } }");
  Result del = Run({"-o", "json", "service", "del", "10.96.0.10:80/tcp"});
  ExpectOk(del);
  EXPECT_EQ(del.out, "{}\n");
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::DeleteServiceRequest>("DeleteService")),
            "vip { address: \"10.96.0.10\" port: 80 protocol: PROTOCOL_TCP }");

  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(services { vip { address: "10.96.0.10" port: 80 protocol: PROTOCOL_TCP }
                      backends { address: "10.0.1.2" port: 8080 weight: 100 } })pb",
      &fake_->services));
  Result list = Run({"service", "list"});
  ExpectOk(list);
  EXPECT_EQ(list.out,
            "SERVICE            BACKEND        WEIGHT\n"
            "10.96.0.10:80/tcp  10.0.1.2:8080     100\n");
  Result json = Run({"service", "list", "-o", "json"});
  ExpectOk(json);
  EXPECT_THAT(json.out, HasSubstr("\"port\": 8080"));
}

constexpr char kPolicyFile[] = R"({
  "ingress": [
    {"action": "allow", "peer": "10.0.1.2/32", "protocol": "tcp", "ports": "8080"},
    {"action": "deny", "peer": "10.0.0.0/8", "protocol": "any"}
  ],
  "egress": []
}
)";

TEST_F(LbctlTest, PolicySetShowClearRoundTrip) {
  Result set = Run({"policy", "set", "web-1", WriteFile("p.json", kPolicyFile)});
  ExpectOk(set);
  EXPECT_EQ(set.out, "");
  auto sent = fake_->LastRequest<sluice::v1::SetPolicyRequest>("SetPolicy");
  EXPECT_EQ(Text(sent),
            "endpoint: \"web-1\" policy { ingress { rules { action: RULE_ACTION_ALLOW "
            "peer: \"10.0.1.2/32\" protocol: RULE_PROTOCOL_TCP port_min: 8080 port_max: 8080 } "
            "rules { action: RULE_ACTION_DENY peer: \"10.0.0.0/8\" } } egress { } }");

  // show prints the file format in both modes: show > file; set file round-trips.
  *fake_->policy.mutable_policy() = sent.policy();
  Result table = Run({"policy", "show", "web-1"});
  ExpectOk(table);
  EXPECT_EQ(table.out, kPolicyFile);
  Result json = Run({"-o", "json", "policy", "show", "web-1"});
  ExpectOk(json);
  EXPECT_EQ(json.out, kPolicyFile);
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::GetPolicyRequest>("GetPolicy")),
            "endpoint: \"web-1\"");
  ExpectOk(Run({"policy", "set", "web-2", WriteFile("shown.json", table.out)}));
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::SetPolicyRequest>("SetPolicy").policy()),
            Text(sent.policy()));

  Result clear = Run({"-o", "json", "policy", "clear", "web-1"});
  ExpectOk(clear);
  EXPECT_EQ(clear.out, "{}\n");
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::ClearPolicyRequest>("ClearPolicy")),
            "endpoint: \"web-1\"");
}

TEST_F(LbctlTest, PolicySetFromStdin) {
  std::FILE* in = std::tmpfile();
  ASSERT_NE(in, nullptr);
  std::fputs(R"({"egress": [{"action": "allow", "protocol": "udp", "ports": 53}]})", in);
  std::rewind(in);
  Result r = Run({"policy", "set", "web-1", "-"}, in);
  std::fclose(in);
  ExpectOk(r);
  EXPECT_EQ(Text(fake_->LastRequest<sluice::v1::SetPolicyRequest>("SetPolicy")),
            "endpoint: \"web-1\" policy { egress { rules { action: RULE_ACTION_ALLOW "
            "protocol: RULE_PROTOCOL_UDP port_min: 53 port_max: 53 } } }");
}

TEST_F(LbctlTest, PolicyFileErrorsSendNothing) {
  std::string path = WriteFile(
      "bad.json", R"({"ingress": [{"action": "allow"}, {"action": "allow", "ports": "90-80"}]})");
  Result r = Run({"policy", "set", "web-1", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, absl::StrCat("lbctl: ", path, ": ingress rule 2: \"ports\": \"90-80\" is not a "
                                "port range (want N or \"N-M\", N <= M <= 65535)\n"));
  Result json = Run({"policy", "set", "web-1", WriteFile("notjson.json", "{\"ingress\": [\n")});
  EXPECT_EQ(json.code, 1);
  EXPECT_THAT(json.err, MatchesRegex("lbctl: [^\n]*notjson.json: not a JSON object [^\n]*\n"));
  Result missing = Run({"policy", "set", "web-1", "/nonexistent/p.json"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "lbctl: /nonexistent/p.json: No such file or directory\n");
  EXPECT_TRUE(fake_->Calls().empty());
}

TEST_F(LbctlTest, NodeErrorIsOneLine) {
  fake_->SetError(grpc::Status(grpc::StatusCode::NOT_FOUND, "endpoint 'web-9': no such endpoint"));
  Result r = Run({"policy", "show", "web-9"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "lbctl: NOT_FOUND: endpoint 'web-9': no such endpoint\n");
}

TEST_F(LbctlTest, StatsPolicy) {
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(rules { endpoint: "web-1" direction: "ingress" index: 0
                   rule { action: RULE_ACTION_ALLOW protocol: RULE_PROTOCOL_TCP
                          port_min: 8000 port_max: 8099 }
                   hits { packets: 7 bytes: 420 } })pb",
      &fake_->policy_stats));
  Result table = Run({"stats", "policy"});
  ExpectOk(table);
  EXPECT_EQ(table.out,
            "ENDPOINT  DIRECTION  RULE  ACTION  PEER  PROTOCOL  PORTS      PACKETS  BYTES\n"
            "web-1     ingress       1  allow   any   tcp       8000-8099        7    420\n");
  Result json = Run({"-o", "json", "stats", "policy"});
  ExpectOk(json);
  EXPECT_THAT(json.out, HasSubstr("\"packets\": \"7\""));
  EXPECT_EQ(fake_->Calls().size(), 2u);  // GetPolicyStats only: not GetStats

  // `stats` alone is the load balancer's sections, as before.
  ExpectOk(Run({"stats"}));
  EXPECT_EQ(fake_->Calls().back().method, "GetStats");
}

const char kEvents[][300] = {
    R"pb(type: TYPE_DROP time_ns: 1234567891234 endpoint: "web-1" direction: "ingress"
         reason: "policy_default" rule_index: -1 protocol: "tcp" source: "10.0.2.5"
         source_port: 40000 destination: "10.0.1.2" destination_port: 8080)pb",
    R"pb(type: TYPE_POLICY_ALLOW time_ns: 1234600000000 endpoint: "web-1" direction: "egress"
         rule_index: 0 protocol: "udp" source: "10.0.1.2" source_port: 5353
         destination: "10.96.0.10" destination_port: 53 suppressed: 2)pb",
};

TEST_F(LbctlTest, MonitorStreamsOneLinePerEvent) {
  for (const char* text : kEvents) {
    fake_->events.emplace_back();
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &fake_->events.back()));
  }
  // Each line is handed over as it arrives.
  std::vector<std::string> flushed;
  std::vector<std::string> args = {"--server", fake_->target(), "monitor"};
  std::string out, err;
  int code = RunLbctl(args, nullptr, &out, &err, [&](std::string* text) {
    flushed.push_back(*text);
    text->clear();
  });
  EXPECT_EQ(code, 0) << err;
  EXPECT_THAT(flushed,
              ElementsAre("[  1234.567891] drop web-1 ingress tcp 10.0.2.5:40000 -> "
                          "10.0.1.2:8080 reason=policy_default\n",
                          "[  1234.600000] allow web-1 egress udp 10.0.1.2:5353 -> "
                          "10.96.0.10:53 rule=1 suppressed=2\n"));
  EXPECT_EQ(out, "");

  Result json = Run({"-o", "json", "monitor"});
  ExpectOk(json);
  EXPECT_EQ(std::count(json.out.begin(), json.out.end(), '\n'), 2) << json.out;
  EXPECT_THAT(json.out, MatchesRegex("\\{\"type\":\"TYPE_DROP\",[^\n]*\\}\n"
                                     "\\{\"type\":\"TYPE_POLICY_ALLOW\",[^\n]*\"suppressed\":\"2\"\\}\n"));
}

TEST_F(LbctlTest, MonitorRefused) {
  fake_->SetError(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no node datapath"));
  Result r = Run({"monitor"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "lbctl: FAILED_PRECONDITION: no node datapath\n");
}

TEST(Lbctl, UnreachableServer) {
  std::vector<std::string> args = {"--server", "/nonexistent/lbd.sock", "vip", "list"};
  std::string out, err;
  EXPECT_EQ(RunLbctl(args, nullptr, &out, &err), 1);
  EXPECT_THAT(err, MatchesRegex("lbctl: UNAVAILABLE: cannot reach lbd at unix:/nonexistent/lbd.sock[^\n]*\n"));
}

TEST(Lbctl, UnreadableTlsFile) {
  std::vector<std::string> args = {"--server", "127.0.0.1:1", "--tls-ca", "/nonexistent/ca.pem",
                                   "vip", "list"};
  std::string out, err;
  EXPECT_EQ(RunLbctl(args, nullptr, &out, &err), 1);
  EXPECT_EQ(err, "lbctl: --tls-ca: cannot read /nonexistent/ca.pem: No such file or directory\n");
}

TEST(Lbctl, UsageHelpAndUnsupported) {
  std::string out, err;
  std::vector<std::string> help = {"--help"};
  EXPECT_EQ(RunLbctl(help, nullptr, &out, &err), 0);
  EXPECT_THAT(out, HasSubstr("usage: lbctl"));
  EXPECT_EQ(err, "");

  out.clear();
  std::vector<std::string> bad = {"vip", "add", "10.0.0.10:80"};
  EXPECT_EQ(RunLbctl(bad, nullptr, &out, &err), 2);
  EXPECT_EQ(out, "");
  EXPECT_THAT(err, MatchesRegex("lbctl: vip add: bad VIP '10.0.0.10:80': missing protocol[^\n]*\n"));

  err.clear();
  std::vector<std::string> later = {"apply", "state.json"};
  EXPECT_EQ(RunLbctl(later, nullptr, &out, &err), 2);
  EXPECT_EQ(err, "lbctl: 'apply' is not supported by this lbd yet\n");
}

}  // namespace
}  // namespace sluice::cli
