#include "cli/output.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace sluice::cli {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

template <typename T>
T FromText(const char* text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// The JSON is one valid document that reads back to the same message.
template <typename T>
void ExpectJsonRoundTrip(const std::string& json, const T& want) {
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.back(), '\n');
  T got;
  auto status = google::protobuf::util::JsonStringToMessage(json, &got);
  ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  EXPECT_TRUE(MessageDifferencer::Equals(got, want)) << json;
}

TEST(Table, AlignsColumns) {
  Table t({"NAME", "COUNT", "NOTE"}, {"COUNT"});
  t.AddRow({"a", "1", "x"});
  t.AddRow({"longer-name", "12345", ""});
  std::string out;
  t.AppendTo(&out);
  EXPECT_EQ(out,
            "NAME         COUNT  NOTE\n"
            "a                1  x\n"
            "longer-name  12345\n");
}

const char kVips[] = R"pb(
  vips {
    config {
      vip { address: "10.0.0.10" port: 80 protocol: PROTOCOL_TCP }
      hash: HASH_MODE_FIVE_TUPLE
      ring_size: 65537
    }
    backend_count: 3
  }
  vips {
    config {
      vip { address: "2001:db8::10" port: 0 protocol: PROTOCOL_UDP }
      hash: HASH_MODE_SOURCE
    }
  }
)pb";

TEST(FormatVips, Table) {
  auto r = FromText<sluice::v1::ListVipsResponse>(kVips);
  EXPECT_EQ(FormatVips(r, OutputFormat::kTable),
            "VIP                   HASH    RING_SIZE  BACKENDS\n"
            "10.0.0.10:80/tcp      5tuple      65537         3\n"
            "[2001:db8::10]:0/udp  src       default         0\n");
  EXPECT_EQ(FormatVips(sluice::v1::ListVipsResponse(), OutputFormat::kTable),
            "VIP  HASH  RING_SIZE  BACKENDS\n");
}

TEST(FormatVips, Json) {
  auto r = FromText<sluice::v1::ListVipsResponse>(kVips);
  std::string json = FormatVips(r, OutputFormat::kJson);
  ExpectJsonRoundTrip(json, r);
  EXPECT_THAT(json, HasSubstr(R"("backend_count": 3)"));
  EXPECT_THAT(json, HasSubstr(R"("protocol": "PROTOCOL_UDP")"));
  EXPECT_THAT(json, HasSubstr(R"("port": 0)"));  // defaults are printed
  EXPECT_EQ(FormatVips(sluice::v1::ListVipsResponse(), OutputFormat::kJson), "{\n \"vips\": []\n}\n");
}

const char kBackends[] = R"pb(
  backends {
    backend { address: "10.1.0.1" weight: 100 }
    next_hop_mac: "02:00:00:00:00:01"
    ring_entries: 32769
  }
  backends {
    backend { address: "2001:db8:1::2" weight: 0 }
  }
)pb";

TEST(FormatBackends, TableAndJson) {
  auto r = FromText<sluice::v1::ListBackendsResponse>(kBackends);
  EXPECT_EQ(FormatBackends(r, OutputFormat::kTable),
            "BACKEND        WEIGHT  STATE     NEXT_HOP_MAC       RING_ENTRIES\n"
            "10.1.0.1          100  active    02:00:00:00:00:01         32769\n"
            "2001:db8:1::2       0  draining  unresolved                    0\n");
  std::string json = FormatBackends(r, OutputFormat::kJson);
  ExpectJsonRoundTrip(json, r);
  EXPECT_THAT(json, HasSubstr(R"("weight": 0)"));  // presence kept for drained backends
}

TEST(FormatBlacklist, TableIsThePushFormat) {
  auto r = FromText<sluice::v1::BlacklistEntries>(R"pb(
    prefixes: "10.0.0.0/8" prefixes: "2001:db8::/32" arp_ips: "192.0.2.1")pb");
  EXPECT_EQ(FormatBlacklist(r, OutputFormat::kTable),
            "# 2 prefixes, 1 ARP addresses\n"
            "10.0.0.0/8\n"
            "2001:db8::/32\n"
            "arp 192.0.2.1\n");
  std::string json = FormatBlacklist(r, OutputFormat::kJson);
  ExpectJsonRoundTrip(json, r);
  EXPECT_THAT(json, HasSubstr(R"("arp_ips": [)"));
}

const char kStats[] = R"pb(
  vips {
    vip { address: "10.0.0.10" port: 80 protocol: PROTOCOL_TCP }
    counter { packets: 1200 bytes: 96000 }
  }
  backends {
    vip { address: "10.0.0.10" port: 80 protocol: PROTOCOL_TCP }
    address: "10.1.0.1"
    counter { packets: 1200 bytes: 96000 }
  }
  drops { key: "src_blacklist" value { packets: 7 bytes: 420 } }
  drops { key: "arp_blacklist" value { packets: 2 bytes: 84 } }
  verdicts { key: "tx" value { packets: 1200 bytes: 96000 } }
  verdicts { key: "drop" value { packets: 9 bytes: 504 } }
  counters { key: "rx" value { packets: 1300 } }
)pb";

TEST(FormatStats, AllSectionsTable) {
  auto r = FromText<sluice::v1::GetStatsResponse>(kStats);
  EXPECT_EQ(FormatStats(r, StatsSection::kAll, OutputFormat::kTable),
            "VIP               PACKETS  BYTES\n"
            "10.0.0.10:80/tcp     1200  96000\n"
            "\n"
            "VIP               BACKEND   PACKETS  BYTES\n"
            "10.0.0.10:80/tcp  10.1.0.1     1200  96000\n"
            "\n"
            "DROP_REASON    PACKETS  BYTES\n"
            "arp_blacklist        2     84\n"
            "src_blacklist        7    420\n"
            "\n"
            "VERDICT  PACKETS  BYTES\n"
            "drop           9    504\n"
            "tx          1200  96000\n"
            "\n"
            "COUNTER  PACKETS  BYTES\n"
            "rx          1300      0\n");
}

TEST(FormatStats, OneSection) {
  auto r = FromText<sluice::v1::GetStatsResponse>(kStats);
  EXPECT_EQ(FormatStats(r, StatsSection::kBackends, OutputFormat::kTable),
            "VIP               BACKEND   PACKETS  BYTES\n"
            "10.0.0.10:80/tcp  10.1.0.1     1200  96000\n");
  std::string drops = FormatStats(r, StatsSection::kDrops, OutputFormat::kTable);
  EXPECT_THAT(drops, ::testing::StartsWith("DROP_REASON"));
  EXPECT_THAT(drops, HasSubstr("VERDICT"));
  EXPECT_THAT(drops, ::testing::Not(HasSubstr("10.0.0.10")));

  sluice::v1::GetStatsResponse vips_only;
  *vips_only.mutable_vips() = r.vips();
  std::string json = FormatStats(r, StatsSection::kVips, OutputFormat::kJson);
  ExpectJsonRoundTrip(json, vips_only);
  EXPECT_THAT(json, HasSubstr(R"("packets": "1200")"));  // uint64 as a string (proto3 JSON)
}

TEST(FormatStats, NodeCountersInTheDropsSection) {
  auto r = FromText<sluice::v1::GetStatsResponse>(kStats);
  (*r.mutable_node_drops())["policy_deny"].set_packets(4);
  (*r.mutable_node_verdicts())["pass"].set_packets(90);
  (*r.mutable_node_counters())["dnat"].set_packets(5);
  std::string drops = FormatStats(r, StatsSection::kDrops, OutputFormat::kTable);
  EXPECT_THAT(drops, HasSubstr("\n\nNODE_DROP_REASON  PACKETS  BYTES\n"
                               "policy_deny             4      0\n"
                               "\nNODE_VERDICT  PACKETS  BYTES\n"
                               "pass               90      0\n"
                               "\nNODE_COUNTER  PACKETS  BYTES\n"
                               "dnat                5      0\n"));
  std::string json = FormatStats(r, StatsSection::kVips, OutputFormat::kJson);
  EXPECT_THAT(json, HasSubstr(R"("node_drops": {})"));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("policy_deny")));
}

TEST(FormatStats, AllJson) {
  auto r = FromText<sluice::v1::GetStatsResponse>(kStats);
  ExpectJsonRoundTrip(FormatStats(r, StatsSection::kAll, OutputFormat::kJson), r);
}

TEST(FormatChange, NothingInTableEmptyObjectInJson) {
  EXPECT_EQ(FormatChange(sluice::v1::AddVipResponse(), OutputFormat::kTable), "");
  EXPECT_EQ(FormatChange(sluice::v1::AddVipResponse(), OutputFormat::kJson), "{}\n");
  sluice::v1::BlacklistResponse b;
  b.set_prefixes(3);
  std::string json = FormatChange(b, OutputFormat::kJson);
  ExpectJsonRoundTrip(json, b);
  EXPECT_THAT(json, HasSubstr(R"("arp_ips": "0")"));
}

TEST(FormatEndpoints, TableAndJson) {
  auto r = FromText<sluice::v1::ListEndpointsResponse>(R"pb(
    endpoints {
      endpoint { name: "web-1" iface: "veth-web1" ipv4: "10.0.1.2" ipv6: "2001:db8::2" }
      ingress_policy: true
    }
    endpoints { endpoint { name: "db" iface: "veth-db" ipv6: "2001:db8::3" } egress_policy: true })pb");
  EXPECT_EQ(FormatEndpoints(r, OutputFormat::kTable),
            "NAME   IFACE      IPV4      IPV6         INGRESS  EGRESS\n"
            "web-1  veth-web1  10.0.1.2  2001:db8::2  policy   open\n"
            "db     veth-db    -         2001:db8::3  open     policy\n");
  std::string json = FormatEndpoints(r, OutputFormat::kJson);
  ExpectJsonRoundTrip(json, r);
  EXPECT_THAT(json, HasSubstr(R"("ingress_policy": false)"));  // defaults are printed
  EXPECT_EQ(FormatEndpoints(sluice::v1::ListEndpointsResponse(), OutputFormat::kTable),
            "NAME  IFACE  IPV4  IPV6  INGRESS  EGRESS\n");
}

TEST(FormatServices, OneRowPerBackend) {
  auto r = FromText<sluice::v1::ListServicesResponse>(R"pb(
    services {
      vip { address: "10.96.0.10" port: 80 protocol: PROTOCOL_TCP }
      backends { address: "10.0.1.2" port: 8080 weight: 100 }
      backends { address: "2001:db8::5" port: 8080 weight: 0 }
    }
    services { vip { address: "2001:db8::10" port: 53 protocol: PROTOCOL_UDP } })pb");
  EXPECT_EQ(FormatServices(r, OutputFormat::kTable),
            "SERVICE                BACKEND             WEIGHT\n"
            "10.96.0.10:80/tcp      10.0.1.2:8080          100\n"
            "10.96.0.10:80/tcp      [2001:db8::5]:8080       0\n"
            "[2001:db8::10]:53/udp  -                        -\n");
  ExpectJsonRoundTrip(FormatServices(r, OutputFormat::kJson), r);
}

TEST(FormatPolicyStats, RulesCountFromOneInTables) {
  auto r = FromText<sluice::v1::GetPolicyStatsResponse>(R"pb(
    rules {
      endpoint: "web-1" direction: "ingress" index: 0
      rule { action: RULE_ACTION_ALLOW peer: "10.0.1.0/24" protocol: RULE_PROTOCOL_TCP
             port_min: 8080 port_max: 8080 }
      hits { packets: 12 bytes: 720 }
    }
    rules {
      endpoint: "web-1" direction: "egress" index: 1
      rule { action: RULE_ACTION_DENY }
      hits { packets: 12345678901 bytes: 0 }
    })pb");
  EXPECT_EQ(FormatPolicyStats(r, OutputFormat::kTable),
            "ENDPOINT  DIRECTION  RULE  ACTION  PEER         PROTOCOL  PORTS      PACKETS  BYTES\n"
            "web-1     ingress       1  allow   10.0.1.0/24  tcp       8080            12    720\n"
            "web-1     egress        2  deny    any          any       any    12345678901      0\n");
  std::string json = FormatPolicyStats(r, OutputFormat::kJson);
  ExpectJsonRoundTrip(json, r);
  EXPECT_THAT(json, HasSubstr(R"("packets": "12345678901")"));  // 64-bit as a string
  EXPECT_THAT(json, HasSubstr(R"("index": 0)"));
}

TEST(FormatEvent, OneLinePerEvent) {
  auto drop = FromText<sluice::v1::Event>(R"pb(
    type: TYPE_DROP time_ns: 1234567891234 endpoint: "web-1" direction: "ingress"
    reason: "policy_deny" rule_index: 1 protocol: "tcp" source: "10.0.2.5" source_port: 40000
    destination: "10.0.1.2" destination_port: 8080 suppressed: 3)pb");
  EXPECT_EQ(FormatEvent(drop, OutputFormat::kTable),
            "[  1234.567891] drop web-1 ingress tcp 10.0.2.5:40000 -> 10.0.1.2:8080 "
            "reason=policy_deny rule=2 suppressed=3\n");
  auto allow = FromText<sluice::v1::Event>(R"pb(
    type: TYPE_POLICY_ALLOW time_ns: 5000 direction: "egress" rule_index: -1
    protocol: "icmpv6" source: "2001:db8::2" destination: "2001:db8::9")pb");
  EXPECT_EQ(FormatEvent(allow, OutputFormat::kTable),
            "[     0.000005] allow - egress icmpv6 2001:db8::2 -> 2001:db8::9\n");

  std::string json = FormatEvent(drop, OutputFormat::kJson);
  EXPECT_EQ(std::count(json.begin(), json.end(), '\n'), 1) << json;
  ExpectJsonRoundTrip(json, drop);
  EXPECT_THAT(json, HasSubstr(R"("time_ns":"1234567891234")"));
}

}  // namespace
}  // namespace sluice::cli
