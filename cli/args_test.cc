#include "cli/args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<Command> Parse(std::vector<std::string> args) { return ParseArgs(args); }

Command MustParse(std::vector<std::string> args) {
  auto cmd = ParseArgs(args);
  EXPECT_TRUE(cmd.ok()) << cmd.status();
  return cmd.ok() ? *std::move(cmd) : Command();
}

// A usage error: INVALID_ARGUMENT whose message contains `needle`.
void ExpectUsageError(std::vector<std::string> args, absl::string_view needle) {
  auto cmd = ParseArgs(args);
  ASSERT_FALSE(cmd.ok()) << "accepted: " << ::testing::PrintToString(args);
  EXPECT_EQ(cmd.status().code(), absl::StatusCode::kInvalidArgument) << cmd.status();
  EXPECT_THAT(std::string(cmd.status().message()), HasSubstr(std::string(needle)));
  EXPECT_THAT(std::string(cmd.status().message()), Not(HasSubstr("\n")));
}

TEST(Args, Help) {
  EXPECT_EQ(MustParse({"--help"}).action, Action::kHelp);
  EXPECT_EQ(MustParse({"-h"}).action, Action::kHelp);
  EXPECT_EQ(MustParse({"help"}).action, Action::kHelp);
  EXPECT_EQ(MustParse({"vip", "add", "--help"}).action, Action::kHelp);
  EXPECT_THAT(UsageText(), HasSubstr("lbctl blacklist push FILE|-"));
}

TEST(Args, Globals) {
  Command d = MustParse({"vip", "list"});
  EXPECT_EQ(d.server, "unix:/run/sluice/lbd.sock");
  EXPECT_EQ(d.format, OutputFormat::kTable);

  Command c = MustParse({"--server", "unix:/tmp/x.sock", "-o", "json", "vip", "list"});
  EXPECT_EQ(c.server, "unix:/tmp/x.sock");
  EXPECT_EQ(c.format, OutputFormat::kJson);
  EXPECT_EQ(MustParse({"--server=/tmp/y.sock", "vip", "list"}).server, "unix:/tmp/y.sock");
  EXPECT_EQ(MustParse({"--server", "127.0.0.1:50051", "vip", "list"}).server, "127.0.0.1:50051");
  EXPECT_EQ(MustParse({"--server", "[::1]:50051", "vip", "list"}).server, "[::1]:50051");
  EXPECT_EQ(MustParse({"--server", "lb1.example.com:50051", "vip", "list"}).server,
            "lb1.example.com:50051");
  // -ojson, --output=json, and globals after the subcommand.
  EXPECT_EQ(MustParse({"-ojson", "vip", "list"}).format, OutputFormat::kJson);
  EXPECT_EQ(MustParse({"--output=json", "vip", "list"}).format, OutputFormat::kJson);
  EXPECT_EQ(MustParse({"vip", "list", "-o", "json"}).format, OutputFormat::kJson);
  EXPECT_EQ(MustParse({"-o", "table", "vip", "list"}).format, OutputFormat::kTable);

  ExpectUsageError({"-o", "yaml", "vip", "list"}, "-o 'yaml' is not table or json");
  ExpectUsageError({"--server", "nowhere", "vip", "list"}, "--server 'nowhere'");
  ExpectUsageError({"--server", "unix:", "vip", "list"}, "empty socket path");
  ExpectUsageError({"--server", "host:0", "vip", "list"}, "port");
  ExpectUsageError({"--server", "host:http", "vip", "list"}, "port");
  ExpectUsageError({"--server", "::1:50051", "vip", "list"}, "brackets");
  ExpectUsageError({"--server"}, "flag '--server' needs a value");
  ExpectUsageError({"--server", "/a", "--server", "/b", "vip", "list"}, "given more than once");
}

TEST(Args, TlsFiles) {
  Command cmd = MustParse({"--server", "10.0.0.1:50051", "--tls-ca", "ca.pem", "--tls-cert",
                           "me.pem", "--tls-key", "me.key", "vip", "list"});
  EXPECT_EQ(cmd.tls_ca, "ca.pem");
  EXPECT_EQ(cmd.tls_cert, "me.pem");
  EXPECT_EQ(cmd.tls_key, "me.key");
  EXPECT_EQ(MustParse({"vip", "list", "--server=[::1]:1", "--tls-ca=ca.pem"}).tls_ca, "ca.pem");
  ExpectUsageError({"--tls-ca", "ca.pem", "vip", "list"},
                   "--tls-ca applies to a HOST:PORT --server only");
  ExpectUsageError({"--server", "10.0.0.1:50051", "--tls-cert", "me.pem", "vip", "list"},
                   "--tls-cert and --tls-key go together");
  ExpectUsageError({"--server", "10.0.0.1:50051", "--tls-key", "me.key", "vip", "list"},
                   "--tls-cert and --tls-key go together");
  ExpectUsageError({"--server", "10.0.0.1:50051", "--tls-ca=", "vip", "list"},
                   "--tls-ca: empty file name");
}

TEST(Args, Errors) {
  ExpectUsageError({}, "missing command");
  ExpectUsageError({"-o", "json"}, "missing command");
  ExpectUsageError({"frobnicate"}, "unknown command 'frobnicate'");
  ExpectUsageError({"--frob", "vip", "list"}, "unknown flag '--frob'");
  ExpectUsageError({"-x", "vip", "list"}, "unknown flag '-x'");
  ExpectUsageError({"vip"}, "'vip' needs a subcommand");
  ExpectUsageError({"vip", "show"}, "unknown 'vip' subcommand 'show'");
  ExpectUsageError({"backend", "drain"}, "unknown 'backend' subcommand 'drain'");
  ExpectUsageError({"blacklist", "clear"}, "unknown 'blacklist' subcommand 'clear'");
  ExpectUsageError({"vip", "list", "extra"}, "vip list: unexpected argument 'extra'");
  ExpectUsageError({"vip", "list", "--weight", "3"}, "flag '--weight' does not apply to 'vip list'");
  ExpectUsageError({"--arp=1", "blacklist", "list"}, "flag '--arp' takes no value");
}

TEST(Args, ApplyNotYetSupported) {
  auto cmd = Parse({"apply", "state.json"});
  ASSERT_FALSE(cmd.ok());
  EXPECT_EQ(cmd.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(cmd.status().message(), "'apply' is not supported by this lbd yet");
}

TEST(Args, VipAdd) {
  Command c = MustParse({"vip", "add", "10.0.0.10:80/tcp"});
  EXPECT_EQ(c.action, Action::kVipAdd);
  EXPECT_EQ(c.vip.vip().address(), "10.0.0.10");
  EXPECT_EQ(c.vip.vip().port(), 80u);
  EXPECT_EQ(c.vip.vip().protocol(), sluice::v1::PROTOCOL_TCP);
  EXPECT_EQ(c.vip.hash(), sluice::v1::HASH_MODE_UNSPECIFIED);
  EXPECT_EQ(c.vip.ring_size(), 0u);

  Command o = MustParse({"vip", "add", "[2001:db8::10]:0/udp", "--hash", "src", "--ring-size=251"});
  EXPECT_EQ(o.vip.vip().address(), "2001:db8::10");
  EXPECT_EQ(o.vip.hash(), sluice::v1::HASH_MODE_SOURCE);
  EXPECT_EQ(o.vip.ring_size(), 251u);
  EXPECT_EQ(MustParse({"vip", "add", "10.0.0.10:80/tcp", "--hash", "5tuple"}).vip.hash(),
            sluice::v1::HASH_MODE_FIVE_TUPLE);

  ExpectUsageError({"vip", "add"}, "vip add: missing VIP");
  ExpectUsageError({"vip", "add", "224.0.0.1:80/udp"},
                   "vip add: bad VIP '224.0.0.1:80/udp': '224.0.0.1' is a multicast address, "
                   "not a unicast host address");
  ExpectUsageError({"vip", "add", "0.0.0.0:80/tcp"}, "'0.0.0.0' is the unspecified address");
  ExpectUsageError({"vip", "add", "[::]:80/tcp"}, "'::' is the unspecified address");
  ExpectUsageError({"vip", "add", "[ff02::1]:80/tcp"}, "'ff02::1' is a multicast address");
  ExpectUsageError({"vip", "add", "255.255.255.255:80/tcp"}, "is the broadcast address");
  ExpectUsageError({"vip", "add", "[::ffff:10.0.0.10]:80/tcp"},
                   "'::ffff:10.0.0.10' is an IPv4-mapped IPv6 address: use the IPv4 form 10.0.0.10");
  ExpectUsageError({"vip", "add", "10.0.0.10:80"}, "bad VIP '10.0.0.10:80'");
  ExpectUsageError({"vip", "add", "10.0.0.10:80/tcp", "10.0.0.11:80/tcp"},
                   "unexpected argument '10.0.0.11:80/tcp'");
  ExpectUsageError({"vip", "add", "10.0.0.10:80/tcp", "--hash", "dst"}, "--hash 'dst'");
  ExpectUsageError({"vip", "add", "10.0.0.10:80/tcp", "--ring-size", "65536"},
                   "--ring-size '65536' is not a prime");
  ExpectUsageError({"vip", "add", "10.0.0.10:80/tcp", "--ring-size", "1"}, "not a prime");
  ExpectUsageError({"vip", "add", "10.0.0.10:80/tcp", "--ring-size", "x"}, "not a prime");
  ExpectUsageError({"vip", "add", "10.0.0.10:80/tcp", "--ring-size"}, "needs a value");
  ExpectUsageError({"vip", "add", "10.0.0.10:80/tcp", "--weight", "1"},
                   "flag '--weight' does not apply to 'vip add'");
}

TEST(Args, VipDelAndList) {
  Command d = MustParse({"vip", "del", "10.0.0.10:80/tcp"});
  EXPECT_EQ(d.action, Action::kVipDel);
  EXPECT_EQ(d.vip.vip().address(), "10.0.0.10");
  // The grammar allows the add options on del; they are checked, not sent.
  Command o = MustParse({"vip", "del", "10.0.0.10:80/tcp", "--hash", "src"});
  EXPECT_EQ(o.vip.hash(), sluice::v1::HASH_MODE_UNSPECIFIED);
  ExpectUsageError({"vip", "del"}, "vip del: missing VIP");
  EXPECT_EQ(MustParse({"vip", "list"}).action, Action::kVipList);
}

TEST(Args, Backend) {
  Command a = MustParse({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.1"});
  EXPECT_EQ(a.action, Action::kBackendAdd);
  EXPECT_EQ(a.vip.vip().address(), "10.0.0.10");
  EXPECT_EQ(a.real, "10.1.0.1");
  EXPECT_FALSE(a.weight.has_value());  // the server's default 100

  Command w = MustParse({"backend", "add", "[2001:db8::10]:443/tcp", "2001:db8:1::1", "--weight", "50"});
  EXPECT_EQ(w.real, "2001:db8:1::1");
  EXPECT_EQ(w.weight, 50u);

  Command d = MustParse({"backend", "del", "10.0.0.10:80/tcp", "10.1.0.1", "--weight", "5"});
  EXPECT_EQ(d.action, Action::kBackendDel);
  EXPECT_FALSE(d.weight.has_value());

  Command s = MustParse({"backend", "set", "10.0.0.10:80/tcp", "10.1.0.1", "--weight", "0"});
  EXPECT_EQ(s.action, Action::kBackendSet);
  EXPECT_EQ(s.weight, 0u);

  Command l = MustParse({"backend", "list", "10.0.0.10:80/tcp"});
  EXPECT_EQ(l.action, Action::kBackendList);
  EXPECT_EQ(l.vip.vip().port(), 80u);

  ExpectUsageError({"backend", "add"}, "backend add: missing VIP");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp"}, "backend add: missing REAL_IP");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.1", "10.1.0.2"},
                   "unexpected argument '10.1.0.2'");
  ExpectUsageError({"backend", "add", "10.0.0.10/tcp", "10.1.0.1"}, "bad VIP '10.0.0.10/tcp'");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.300"},
                   "REAL_IP '10.1.0.300' is not an IP address");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.1:80"}, "'10.1.0.1:80'");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "10.0.0.10"},
                   "backend add: REAL_IP: '10.0.0.10' is the VIP's own address");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "0.0.0.0"},
                   "REAL_IP: '0.0.0.0' is the unspecified address");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "224.0.0.1"},
                   "REAL_IP: '224.0.0.1' is a multicast address");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "255.255.255.255"},
                   "REAL_IP: '255.255.255.255' is the broadcast address");
  ExpectUsageError({"backend", "add", "[2001:db8::10]:80/tcp", "::ffff:10.1.0.1"},
                   "REAL_IP: '::ffff:10.1.0.1' is an IPv4-mapped IPv6 address: use the IPv4 form 10.1.0.1");
  // Only adding is checked: a backend an older lbd accepted can be removed.
  EXPECT_EQ(MustParse({"backend", "del", "10.0.0.10:80/tcp", "10.0.0.10"}).real, "10.0.0.10");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.1", "--weight", "-1"},
                   "--weight '-1'");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.1", "--weight", "4294967296"},
                   "--weight '4294967296'");
  ExpectUsageError({"backend", "set", "10.0.0.10:80/tcp", "10.1.0.1"}, "backend set: missing --weight");
  ExpectUsageError({"backend", "list"}, "backend list: missing VIP");
  ExpectUsageError({"backend", "list", "10.0.0.10:80/tcp", "--weight", "1"}, "does not apply");
  ExpectUsageError({"backend", "add", "10.0.0.10:80/tcp", "10.1.0.1", "--hash", "src"},
                   "flag '--hash' does not apply to 'backend add'");
}

TEST(Args, Blacklist) {
  Command a = MustParse({"blacklist", "add", "10.0.0.0/8", "2001:db8::/32", "192.0.2.1"});
  EXPECT_EQ(a.action, Action::kBlacklistAdd);
  EXPECT_THAT(a.entries.prefixes(), ::testing::ElementsAre("10.0.0.0/8", "2001:db8::/32", "192.0.2.1"));
  EXPECT_EQ(a.entries.arp_ips_size(), 0);

  Command arp = MustParse({"blacklist", "del", "--arp", "192.0.2.1", "192.0.2.2"});
  EXPECT_EQ(arp.action, Action::kBlacklistDel);
  EXPECT_THAT(arp.entries.arp_ips(), ::testing::ElementsAre("192.0.2.1", "192.0.2.2"));
  EXPECT_EQ(arp.entries.prefixes_size(), 0);

  Command p = MustParse({"blacklist", "push", "/tmp/list.txt"});
  EXPECT_EQ(p.action, Action::kBlacklistPush);
  EXPECT_EQ(p.push_file, "/tmp/list.txt");
  EXPECT_EQ(MustParse({"blacklist", "push", "-"}).push_file, "-");
  EXPECT_EQ(MustParse({"blacklist", "list"}).action, Action::kBlacklistList);

  ExpectUsageError({"blacklist", "add"}, "blacklist add: missing CIDR");
  ExpectUsageError({"blacklist", "add", "--arp"}, "blacklist add: missing IP");
  ExpectUsageError({"blacklist", "add", "10.0.0.0/33"}, "'10.0.0.0/33': prefix length must be 0..32");
  ExpectUsageError({"blacklist", "add", "10.0.0.1/8"},
                   "blacklist add: '10.0.0.1/8' has host bits set beyond /8 (the prefix is 10.0.0.0/8)");
  ExpectUsageError({"blacklist", "del", "10.0.0.1/8"}, "has host bits set");
  ExpectUsageError({"blacklist", "add", "10.0.0.0/ 8"}, "prefix length must be 0..32");
  ExpectUsageError({"blacklist", "add", "10.0.0.0/+8"}, "prefix length must be 0..32");
  ExpectUsageError({"blacklist", "add", "10.0.0.0/08"}, "prefix length must be 0..32");
  ExpectUsageError({"blacklist", "add", "::ffff:10.0.0.0/104"},
                   "'::ffff:10.0.0.0/104' is an IPv4-mapped IPv6 prefix: use the IPv4 form 10.0.0.0/8");
  // Deleting names what lbd holds, so one an older lbd accepted too.
  EXPECT_THAT(MustParse({"blacklist", "del", "::ffff:10.0.0.0/104"}).entries.prefixes(),
              ::testing::ElementsAre("::ffff:10.0.0.0/104"));
  ExpectUsageError({"blacklist", "add", "--arp", "10.0.0.0/8"}, "'10.0.0.0/8' is not an IPv4 address");
  ExpectUsageError({"blacklist", "add", "--arp", "2001:db8::1"}, "'2001:db8::1' is not an IPv4 address");
  ExpectUsageError({"blacklist", "push"}, "blacklist push: missing FILE");
  ExpectUsageError({"blacklist", "push", "a", "b"}, "unexpected argument 'b'");
  ExpectUsageError({"blacklist", "push", "a", "--arp"}, "does not apply");
  ExpectUsageError({"blacklist", "list", "--arp"}, "does not apply");
}

TEST(Args, DoubleDashEndsFlags) {
  Command c = MustParse({"blacklist", "push", "--", "-o"});
  EXPECT_EQ(c.push_file, "-o");
}

TEST(Args, Stats) {
  EXPECT_EQ(MustParse({"stats"}).section, StatsSection::kAll);
  EXPECT_EQ(MustParse({"stats", "vips"}).section, StatsSection::kVips);
  EXPECT_EQ(MustParse({"stats", "backends"}).section, StatsSection::kBackends);
  Command d = MustParse({"-o", "json", "stats", "drops"});
  EXPECT_EQ(d.action, Action::kStats);
  EXPECT_EQ(d.section, StatsSection::kDrops);
  EXPECT_EQ(MustParse({"stats", "policy"}).section, StatsSection::kPolicy);
  ExpectUsageError({"stats", "flows"}, "stats: unknown section 'flows' (want vips, backends, drops or policy)");
  ExpectUsageError({"stats", "vips", "drops"}, "unexpected argument 'drops'");
}

TEST(Args, EndpointAdd) {
  Command a = MustParse({"endpoint", "add", "web-1", "--iface", "veth-web1", "--ip", "10.0.1.2"});
  EXPECT_EQ(a.action, Action::kEndpointAdd);
  EXPECT_EQ(a.endpoint.ShortDebugString(),
            "name: \"web-1\" iface: \"veth-web1\" ipv4: \"10.0.1.2\"");
  // Both families, either order.
  EXPECT_EQ(MustParse({"endpoint", "add", "a", "--iface=v", "--ip=10.0.1.2,2001:db8::2"})
                .endpoint.ShortDebugString(),
            "name: \"a\" iface: \"v\" ipv4: \"10.0.1.2\" ipv6: \"2001:db8::2\"");
  EXPECT_EQ(MustParse({"endpoint", "add", "a", "--iface", "v", "--ip", "2001:db8::2,10.0.1.2"})
                .endpoint.ShortDebugString(),
            "name: \"a\" iface: \"v\" ipv4: \"10.0.1.2\" ipv6: \"2001:db8::2\"");
  EXPECT_EQ(MustParse({"endpoint", "add", "a", "--iface", "v", "--ip", "2001:db8::2"}).endpoint.ipv4(),
            "");
  EXPECT_EQ(MustParse({"endpoint", "add", std::string(47, 'x'), "--iface", "v", "--ip",
                       "10.0.0.1"}).endpoint.name().size(), 47u);

  ExpectUsageError({"endpoint", "add"}, "endpoint add: missing NAME");
  ExpectUsageError({"endpoint", "add", "a", "--ip", "10.0.1.2"}, "endpoint add: missing --iface");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v"}, "endpoint add: missing --ip");
  ExpectUsageError({"endpoint", "add", "a b", "--iface", "v", "--ip", "10.0.1.2"},
                   "endpoint add: bad NAME 'a b' (want 1 to 47 of A-Z a-z 0-9 . _ -)");
  ExpectUsageError({"endpoint", "add", std::string(48, 'x'), "--iface", "v", "--ip", "10.0.1.2"},
                   "bad NAME");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "", "--ip", "10.0.1.2"},
                   "--iface '' is not an interface name (1 to 15 characters)");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "veth-much-too-long", "--ip", "10.0.1.2"},
                   "--iface 'veth-much-too-long' is not an interface name");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v", "--ip", "10.0.1.300"},
                   "--ip '10.0.1.300': '10.0.1.300' is not an IP address (want IP, or IPV4,IPV6)");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v", "--ip", "10.0.1.2,10.0.1.3"},
                   "--ip '10.0.1.2,10.0.1.3': two addresses of one family");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v", "--ip", "10.0.1.2,"},
                   "'' is not an IP address");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v", "--ip", "10.0.1.2,::1,::2"},
                   "more than two addresses");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v", "--ip", "::ffff:10.0.1.2"},
                   "--ip '::ffff:10.0.1.2': '::ffff:10.0.1.2' is an IPv4-mapped IPv6 address: "
                   "use the IPv4 form 10.0.1.2 (want IP, or IPV4,IPV6)");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v", "--ip", "0.0.0.0"},
                   "'0.0.0.0' is the unspecified address");
  ExpectUsageError({"endpoint", "add", "a", "b", "--iface", "v", "--ip", "10.0.1.2"},
                   "unexpected argument 'b'");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v", "--iface", "w", "--ip", "10.0.1.2"},
                   "flag '--iface' given more than once");
  ExpectUsageError({"endpoint", "add", "a", "--iface", "v", "--ip", "10.0.1.2", "--weight", "1"},
                   "flag '--weight' does not apply to 'endpoint add'");
}

TEST(Args, EndpointDelAndList) {
  Command d = MustParse({"endpoint", "del", "web-1"});
  EXPECT_EQ(d.action, Action::kEndpointDel);
  EXPECT_EQ(d.endpoint.name(), "web-1");
  Command all = MustParse({"endpoint", "list"});
  EXPECT_EQ(all.action, Action::kEndpointList);
  EXPECT_EQ(all.endpoint.name(), "");
  EXPECT_EQ(MustParse({"endpoint", "list", "web-1"}).endpoint.name(), "web-1");

  ExpectUsageError({"endpoint", "del"}, "endpoint del: missing NAME");
  ExpectUsageError({"endpoint", "del", "a/b"}, "endpoint del: bad NAME 'a/b'");
  ExpectUsageError({"endpoint", "list", "a", "b"}, "unexpected argument 'b'");
  ExpectUsageError({"endpoint", "del", "a", "--iface", "v"}, "does not apply to 'endpoint del'");
  ExpectUsageError({"endpoint", "show"}, "unknown 'endpoint' subcommand 'show' (want add, del or list)");
  ExpectUsageError({"endpoint"}, "'endpoint' needs a subcommand");
}

TEST(Args, ServiceAdd) {
  Command a = MustParse({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:8080",
                         "--backend", "[2001:db8::5]:8080@50", "--backend=10.0.1.3:8080@0"});
  EXPECT_EQ(a.action, Action::kServiceAdd);
  EXPECT_EQ(a.service.ShortDebugString(),
            "vip { address: \"10.96.0.10\" port: 80 protocol: PROTOCOL_TCP } "
            "backends { address: \"10.0.1.2\" port: 8080 } "
            "backends { address: \"2001:db8::5\" port: 8080 weight: 50 } "
            "backends { address: \"10.0.1.3\" port: 8080 weight: 0 }");
  EXPECT_FALSE(a.service.backends(0).has_weight());  // the server's default 100

  ExpectUsageError({"service", "add"}, "service add: missing VIP");
  ExpectUsageError({"service", "add", "[::ffff:10.96.0.10]:80/tcp", "--backend", "10.0.1.2:80"},
                   "use the IPv4 form 10.96.0.10");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.96.0.10:80"},
                   "service add: bad backend '10.96.0.10:80': '10.96.0.10' is the VIP's own address");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend", "224.0.0.9:80"},
                   "'224.0.0.9' is a multicast address");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp"}, "service add: missing --backend");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2"},
                   "service add: bad backend '10.0.1.2': missing port (want IP:PORT[@WEIGHT]");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:8080@x"},
                   "bad backend '10.0.1.2:8080@x': weight 'x' is not a number in 0..65535");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:8080@65536"},
                   "weight '65536' is not a number in 0..65535");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:0"},
                   "port '0' is not a number in 1..65535");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend", "2001:db8::5:8080"},
                   "an IPv6 address needs brackets: [ADDRESS]:PORT");
  ExpectUsageError({"service", "add", "10.96.0.10:0/tcp", "--backend", "10.0.1.2:8080"},
                   "bad VIP '10.96.0.10:0/tcp': a service needs a port (1..65535)");
  ExpectUsageError({"service", "add", "10.96.0.10:80", "--backend", "10.0.1.2:8080"},
                   "bad VIP '10.96.0.10:80': missing protocol");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:8080",
                    "10.0.1.3:8080"},
                   "unexpected argument '10.0.1.3:8080' (usage: lbctl service add VIP "
                   "--backend IP:PORT[@WEIGHT] [--backend ...])");
  ExpectUsageError({"service", "add", "10.96.0.10:80/tcp", "--backend"}, "needs a value");
}

TEST(Args, ServiceDelAndList) {
  Command d = MustParse({"service", "del", "[2001:db8::10]:53/udp"});
  EXPECT_EQ(d.action, Action::kServiceDel);
  EXPECT_EQ(d.service.ShortDebugString(),
            "vip { address: \"2001:db8::10\" port: 53 protocol: PROTOCOL_UDP }");
  EXPECT_EQ(MustParse({"service", "list"}).action, Action::kServiceList);

  ExpectUsageError({"service", "del", "10.96.0.10:80/tcp", "--backend", "10.0.1.2:8080"},
                   "flag '--backend' does not apply to 'service del'");
  ExpectUsageError({"service", "del"}, "service del: missing VIP");
  ExpectUsageError({"service", "list", "x"}, "unexpected argument 'x'");
  ExpectUsageError({"service", "set"}, "unknown 'service' subcommand 'set'");
  ExpectUsageError({"vip", "add", "10.0.0.10:80/tcp", "--backend", "10.0.1.2:80"},
                   "flag '--backend' does not apply to 'vip add'");
}

TEST(Args, Policy) {
  Command s = MustParse({"policy", "set", "web-1", "/tmp/p.json"});
  EXPECT_EQ(s.action, Action::kPolicySet);
  EXPECT_EQ(s.endpoint.name(), "web-1");
  EXPECT_EQ(s.policy_file, "/tmp/p.json");
  EXPECT_EQ(MustParse({"policy", "set", "web-1", "-"}).policy_file, "-");
  Command show = MustParse({"-o", "json", "policy", "show", "web-1"});
  EXPECT_EQ(show.action, Action::kPolicyShow);
  EXPECT_EQ(show.endpoint.name(), "web-1");
  EXPECT_EQ(MustParse({"policy", "clear", "web-1"}).action, Action::kPolicyClear);

  ExpectUsageError({"policy", "set"}, "policy set: missing ENDPOINT");
  ExpectUsageError({"policy", "set", "web-1"}, "policy set: missing FILE");
  ExpectUsageError({"policy", "set", "web 1", "f"}, "policy set: bad ENDPOINT 'web 1'");
  ExpectUsageError({"policy", "show"}, "policy show: missing ENDPOINT");
  ExpectUsageError({"policy", "clear", "a", "b"}, "unexpected argument 'b'");
  ExpectUsageError({"policy", "list"}, "unknown 'policy' subcommand 'list' (want set, show or clear)");
}

TEST(Args, Monitor) {
  EXPECT_EQ(MustParse({"monitor"}).action, Action::kMonitor);
  EXPECT_EQ(MustParse({"monitor", "-o", "json"}).format, OutputFormat::kJson);
  ExpectUsageError({"monitor", "web-1"}, "monitor: unexpected argument 'web-1'");
  ExpectUsageError({"monitor", "--ip", "10.0.0.1"}, "flag '--ip' does not apply to 'monitor'");
}

TEST(Args, UsageListsTheNodeCommands) {
  for (const char* line : {"lbctl endpoint add NAME --iface HOST_VETH --ip IP[,IP6]",
                           "lbctl service add VIP --backend IP:PORT[@WEIGHT]...",
                           "lbctl policy set ENDPOINT FILE|-", "lbctl policy show|clear ENDPOINT",
                           "lbctl stats [vips|backends|drops|policy]", "lbctl monitor"}) {
    EXPECT_THAT(UsageText(), HasSubstr(line));
  }
}

}  // namespace
}  // namespace sluice::cli
