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

TEST(Args, NotYetSupportedNouns) {
  for (const char* noun : {"endpoint", "service", "policy", "apply", "monitor"}) {
    auto cmd = Parse({noun, "list"});
    ASSERT_FALSE(cmd.ok()) << noun;
    EXPECT_EQ(cmd.status().code(), absl::StatusCode::kUnimplemented);
    EXPECT_EQ(cmd.status().message(),
              absl::StrCat("'", noun, "' is not supported by this lbd yet"));
  }
  auto policy_stats = Parse({"stats", "policy"});
  EXPECT_EQ(policy_stats.status().code(), absl::StatusCode::kUnimplemented);
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
  ExpectUsageError({"blacklist", "add", "10.0.0.0/33"}, "'10.0.0.0/33' is not a CIDR prefix");
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
  ExpectUsageError({"stats", "flows"}, "stats: unknown section 'flows'");
  ExpectUsageError({"stats", "vips", "drops"}, "unexpected argument 'drops'");
}

}  // namespace
}  // namespace sluice::cli
