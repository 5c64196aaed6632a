// pktgen: option parsing and template errors (anywhere), and the per-packet
// rewrite of pktgen.bpf.c run with BPF_PROG_TEST_RUN (root).
#include <linux/bpf.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/packet/packet_builder.h"
#include "base/packet/packet_parser.h"
#include "base/testing/prog_test_run.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/pktgen/flow_rewrite.h"
#include "tools/pktgen/options.h"
#include "tools/pktgen/pktgen_program.h"
#include "tools/pktgen/template_frame.h"

namespace sluice::pktgen {
namespace {

using ::testing::HasSubstr;
using testing::ParsedPacket;
using testing::ParsePacket;

// --- options ---

absl::StatusOr<PktgenOptions> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "pktgen");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return ParsePktgenOptions(static_cast<int>(args.size()), argv.data());
}

TEST(PktgenOptionsTest, ParsesEveryFlag) {
  auto o = Parse({"--iface", "eth0", "--dst", "2001:db8::2", "--src", "2001:db8::1",
                  "--dst-mac", "02:00:00:00:00:02", "--src-mac", "02:00:00:00:00:01",
                  "--proto", "tcp", "--sport", "2000", "--dport", "80", "--flows", "16",
                  "--vary", "src-ip", "--size", "128", "--rate", "1000", "--count", "5",
                  "--duration", "1.5", "--cpu", "0-1", "--progress"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->iface, "eth0");
  EXPECT_EQ(o->frame.dst, testing::IpAddress("2001:db8::2"));
  EXPECT_EQ(o->frame.src, testing::IpAddress("2001:db8::1"));
  EXPECT_TRUE(o->src_given);
  EXPECT_TRUE(o->src_mac_given);
  EXPECT_EQ(o->frame.dst_mac, testing::MacAddr("02:00:00:00:00:02"));
  EXPECT_EQ(o->frame.protocol, Protocol::kTcp);
  EXPECT_EQ(o->frame.src_port, 2000);
  EXPECT_EQ(o->frame.dst_port, 80);
  EXPECT_EQ(o->frame.flows, 16u);
  EXPECT_EQ(o->frame.vary, Vary::kSrcAddr);
  EXPECT_EQ(o->frame.size, 128u);
  EXPECT_EQ(o->rate, 1000u);
  EXPECT_EQ(o->count, 5u);
  EXPECT_DOUBLE_EQ(o->duration_s, 1.5);
  EXPECT_EQ(o->threads, 2);
  EXPECT_EQ(o->cpus, (std::vector<int>{0, 1}));
  EXPECT_TRUE(o->progress);
}

TEST(PktgenOptionsTest, Defaults) {
  auto o = Parse({"--iface", "eth0", "--dst", "10.0.0.2"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->src_given);
  EXPECT_FALSE(o->src_mac_given);
  EXPECT_EQ(o->frame.dst_mac, testing::MacAddr("ff:ff:ff:ff:ff:ff"));
  EXPECT_EQ(o->frame.protocol, Protocol::kUdp);
  EXPECT_EQ(o->frame.size, 64u);
  EXPECT_EQ(o->frame.flows, 1u);
  EXPECT_EQ(o->threads, 1);
  EXPECT_EQ(o->rate, 0u);
  EXPECT_EQ(o->count, 0u);
}

struct BadArgs {
  std::vector<std::string> args;
  std::string error;
};

TEST(PktgenOptionsTest, RejectsBadInputWithOneLine) {
  const std::vector<std::string> base = {"--iface", "eth0", "--dst", "10.0.0.2"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args = base;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  const BadArgs cases[] = {
      {{"--dst", "10.0.0.2"}, "--iface is required"},
      {{"--iface", "eth0"}, "--dst is required"},
      {with({"--dst", "10.0.0.300"}), "--dst: '10.0.0.300' is not an IPv4 or IPv6 address"},
      {with({"--src", "nowhere"}), "--src: 'nowhere' is not an IPv4 or IPv6 address"},
      {with({"--dst-mac", "02:00:00:00:00"}), "--dst-mac: '02:00:00:00:00' is not a MAC"},
      {with({"--src-mac", "02:00:00:00:00:01:03"}), "--src-mac: "},
      {with({"--proto", "icmp"}), "--proto: 'icmp' is not udp or tcp"},
      {with({"--vary", "dst-ip"}), "--vary: 'dst-ip' is not src-port or src-ip"},
      {with({"--size", "63"}), "--size: '63' is not a number from 64 to 65535"},
      {with({"--sport", "0"}), "--sport: '0' is not a number from 1"},
      {with({"--flows", "0"}), "--flows: '0' is not a number from 1"},
      {with({"--count", "0"}), "--count: '0' is not a number from 1"},
      {with({"--rate", "-5"}), "--rate: '-5' is not a number"},
      {with({"--duration", "0"}), "--duration: '0' is not a positive number of seconds"},
      {with({"--duration", "soon"}), "--duration: 'soon'"},
      {with({"--threads", "0"}), "--threads: '0' is not a number from 1"},
      {with({"--cpu", "1,1"}), "--cpu: '1,1' is not a list naming each CPU once"},
      {with({"--cpu", "3-1"}), "--cpu: '3-1' is not a CPU list"},
      {with({"--threads", "2", "--cpu", "0"}), "--threads 2 but --cpu names 1 CPUs"},
      {with({"--bogus"}), "unknown or incomplete flag '--bogus'"},
      {with({"--count"}), "unknown or incomplete flag '--count'"},
      {with({"extra"}), "unexpected argument 'extra'"},
  };
  for (const BadArgs& c : cases) {
    auto o = Parse(c.args);
    EXPECT_FALSE(o.ok()) << absl::StrJoin(c.args, " ");
    EXPECT_THAT(std::string(o.status().message()), HasSubstr(c.error));
    EXPECT_EQ(std::string(o.status().message()).find('\n'), std::string::npos);
  }
}

TEST(PktgenOptionsTest, HelpIsCancelledWithUsage) {
  auto o = Parse({"--help"});
  EXPECT_TRUE(absl::IsCancelled(o.status()));
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("usage: pktgen"));
}

// --- template frame ---

FrameSpec Spec(const char* src, const char* dst, Protocol protocol = Protocol::kUdp) {
  FrameSpec s;
  s.src_mac = "02:00:00:00:00:01";
  s.dst_mac = "02:00:00:00:00:02";
  s.src = src;
  s.dst = dst;
  s.protocol = protocol;
  return s;
}

TEST(TemplateFrameTest, Ipv4UdpIsWholeAndChecksummed) {
  FrameSpec spec = Spec("10.0.0.1", "10.0.0.2");
  auto frame = BuildTemplateFrame(spec);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->bytes.size(), 64u);
  ParsedPacket p = ParsePacket(frame->bytes);
  ASSERT_TRUE(p.ok()) << p.problem;
  EXPECT_TRUE(p.checksums_ok()) << p.DebugString();
  EXPECT_EQ(p.eth->src, spec.src_mac);
  EXPECT_EQ(p.ip[0].src, "10.0.0.1");
  EXPECT_EQ(p.l4.protocol, testing::L4Protocol::kUdp);
  EXPECT_EQ(p.l4.src_port, 10000);
  EXPECT_EQ(p.l4.dst_port, 9000);
}

TEST(TemplateFrameTest, Ipv6TcpSynNeedsRoomForItsHeaders) {
  FrameSpec spec = Spec("2001:db8::1", "2001:db8::2", Protocol::kTcp);
  auto too_small = BuildTemplateFrame(spec);
  EXPECT_THAT(std::string(too_small.status().message()),
              HasSubstr("--size 64: these headers need at least 74 bytes"));
  spec.size = 74;
  auto frame = BuildTemplateFrame(spec);
  ASSERT_TRUE(frame.ok()) << frame.status();
  ParsedPacket p = ParsePacket(frame->bytes);
  ASSERT_TRUE(p.ok()) << p.problem;
  EXPECT_TRUE(p.checksums_ok());
  EXPECT_EQ(p.l4.tcp_flags, testing::TcpFlags::kSyn);
}

TEST(TemplateFrameTest, RejectsWhatCannotBeBuilt) {
  FrameSpec mixed = Spec("10.0.0.1", "2001:db8::2");
  EXPECT_THAT(std::string(BuildTemplateFrame(mixed).status().message()),
              HasSubstr("must both be IPv4 or both IPv6"));
  FrameSpec ports = Spec("10.0.0.1", "10.0.0.2");
  ports.src_port = 65530;
  ports.flows = 7;
  EXPECT_THAT(std::string(BuildTemplateFrame(ports).status().message()),
              HasSubstr("--flows 7 from --sport 65530 runs past port 65535"));
  ports.flows = 6;
  EXPECT_TRUE(BuildTemplateFrame(ports).ok());
  FrameSpec addrs = Spec("255.255.255.250", "10.0.0.2");
  addrs.vary = Vary::kSrcAddr;
  addrs.flows = 7;
  EXPECT_THAT(std::string(BuildTemplateFrame(addrs).status().message()),
              HasSubstr("runs past the end"));
}

// --- the user-space rewrite (the AF_PACKET sender's) ---

TEST(FlowRewriteTest, EveryFlowIsWholeAndChecksummed) {
  for (Protocol protocol : {Protocol::kUdp, Protocol::kTcp}) {
    for (Vary vary : {Vary::kSrcPort, Vary::kSrcAddr}) {
      for (const char* src : {"10.0.0.250", "2001:db8::fffe"}) {
        FrameSpec spec = Spec(src, std::string(src).find(':') == std::string::npos
                                       ? "10.0.1.1" : "2001:db8::1:1",
                              protocol);
        spec.size = 96;
        spec.vary = vary;
        spec.flows = 5;
        auto frame = BuildTemplateFrame(spec);
        ASSERT_TRUE(frame.ok()) << frame.status();
        for (uint32_t flow = 0; flow < spec.flows; ++flow) {
          std::vector<uint8_t> bytes = frame->bytes;
          RewriteIntoFlow(frame->config, flow, bytes.data());
          ParsedPacket p = ParsePacket(bytes);
          ASSERT_TRUE(p.ok()) << p.problem;
          EXPECT_TRUE(p.checksums_ok()) << src << " flow " << flow << "\n" << p.DebugString();
          if (vary == Vary::kSrcPort) {
            EXPECT_EQ(p.l4.src_port, 10000 + flow);
          } else {
            EXPECT_EQ(bytes == frame->bytes, flow == 0) << src << " flow " << flow;
            EXPECT_EQ(p.l4.src_port, 10000);
          }
        }
      }
    }
  }
}

// --- the per-packet rewrite (BPF_PROG_TEST_RUN, not live) ---

class RewriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    // The flow cursor is per CPU: stay on one so runs see one sequence.
    CPU_ZERO(&saved_affinity_);
    sched_getaffinity(0, sizeof(saved_affinity_), &saved_affinity_);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
    pinned_ = true;
  }
  void TearDown() override {
    if (pinned_) sched_setaffinity(0, sizeof(saved_affinity_), &saved_affinity_);
  }

  // Loads the program for `spec` and runs it `runs` times on the template;
  // with `chain`, each run's input is the previous run's output, as live
  // frames mode may hand the program a recycled frame.
  std::vector<ParsedPacket> Run(const FrameSpec& spec, int runs, bool chain = false) {
    auto frame = BuildTemplateFrame(spec);
    EXPECT_TRUE(frame.ok()) << frame.status();
    // Without a context, BPF_PROG_TEST_RUN runs the program as if the frame
    // came in on lo: make that the sending interface.
    auto program = PktgenProgram::Load(*frame, ingress_ifindex_);
    EXPECT_TRUE(program.ok()) << program.status();
    std::vector<ParsedPacket> out;
    if (!frame.ok() || !program.ok()) return out;
    std::vector<uint8_t> input = frame->bytes;
    for (int i = 0; i < runs; ++i) {
      auto run = testing::RunProg((*program)->generator_fd(), input);
      EXPECT_TRUE(run.ok()) << run.status();
      if (!run.ok()) return out;
      EXPECT_EQ(run->verdict, static_cast<uint32_t>(expected_verdict_));
      EXPECT_EQ(run->packet.size(), frame->bytes.size());
      if (chain) input = run->packet;
      if (expected_verdict_ == XDP_TX) {
        // The AF_PACKET sender's twin of the rewrite gives the same bytes.
        std::vector<uint8_t> twin = frame->bytes;
        RewriteIntoFlow(frame->config, i % spec.flows, twin.data());
        EXPECT_EQ(run->packet, twin) << "run " << i;
      }
      out.push_back(ParsePacket(run->packet));
      last_output_ = run->packet;
    }
    template_ = frame->bytes;
    return out;
  }

  std::vector<uint8_t> template_, last_output_;
  int ingress_ifindex_ = static_cast<int>(if_nametoindex("lo"));
  xdp_action expected_verdict_ = XDP_TX;

 private:
  cpu_set_t saved_affinity_;
  bool pinned_ = false;
};

void ExpectWhole(const ParsedPacket& p, int run) {
  EXPECT_TRUE(p.ok()) << "run " << run << ": " << p.problem;
  EXPECT_TRUE(p.checksums_ok()) << "run " << run << ":\n" << p.DebugString();
}

TEST_F(RewriteTest, SourcePortCyclesThroughFlowsIpv4Udp) {
  FrameSpec spec = Spec("10.0.0.1", "10.0.0.2");
  spec.flows = 16;
  std::vector<ParsedPacket> out = Run(spec, 40);
  ASSERT_EQ(out.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    ExpectWhole(out[i], i);
    EXPECT_EQ(out[i].l4.src_port, 10000 + i % 16) << "run " << i;
    EXPECT_EQ(out[i].l4.dst_port, 9000);
    EXPECT_EQ(out[i].ip[0].src, "10.0.0.1");
  }
}

TEST_F(RewriteTest, SourcePortCyclesThroughFlowsIpv6Tcp) {
  FrameSpec spec = Spec("2001:db8::1", "2001:db8::2", Protocol::kTcp);
  spec.size = 74;
  spec.src_port = 65533;
  spec.flows = 3;
  std::vector<ParsedPacket> out = Run(spec, 7);
  ASSERT_EQ(out.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    ExpectWhole(out[i], i);
    EXPECT_EQ(out[i].l4.src_port, 65533 + i % 3) << "run " << i;
    EXPECT_EQ(out[i].l4.tcp_flags, testing::TcpFlags::kSyn);
  }
}

TEST_F(RewriteTest, SourceAddressCyclesThroughFlowsIpv4) {
  FrameSpec spec = Spec("10.0.0.254", "10.0.1.1");
  spec.vary = Vary::kSrcAddr;
  spec.flows = 4;
  spec.size = 100;
  const char* expected[] = {"10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"};
  std::vector<ParsedPacket> out = Run(spec, 9);
  ASSERT_EQ(out.size(), 9u);
  for (int i = 0; i < 9; ++i) {
    ExpectWhole(out[i], i);
    EXPECT_EQ(out[i].ip[0].src, expected[i % 4]) << "run " << i;
    EXPECT_EQ(out[i].l4.src_port, 10000);
  }
}

TEST_F(RewriteTest, SourceAddressCyclesThroughFlowsIpv6) {
  FrameSpec spec = Spec("2001:db8::ffff:fffe", "2001:db8::2");
  spec.vary = Vary::kSrcAddr;
  spec.flows = 2;
  std::vector<ParsedPacket> out = Run(spec, 4);
  ASSERT_EQ(out.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    ExpectWhole(out[i], i);
    EXPECT_EQ(out[i].ip[0].src, i % 2 ? "2001:db8::ffff:ffff" : "2001:db8::ffff:fffe");
  }
}

TEST_F(RewriteTest, RecycledFramesAreRewrittenFromTheTemplate) {
  FrameSpec spec = Spec("10.0.0.1", "10.0.0.2", Protocol::kTcp);
  spec.vary = Vary::kSrcAddr;
  spec.flows = 5;
  std::vector<ParsedPacket> out = Run(spec, 12, /*chain=*/true);
  ASSERT_EQ(out.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    ExpectWhole(out[i], i);
    EXPECT_EQ(out[i].ip[0].src, absl::StrCat("10.0.0.", 1 + i % 5)) << "run " << i;
  }
}

TEST_F(RewriteTest, OneFlowLeavesTheTemplateAlone) {
  FrameSpec spec = Spec("10.0.0.1", "10.0.0.2");
  Run(spec, 3);
  EXPECT_EQ(last_output_, template_);
}

// pktgen attaches the program to lo to keep it in the XDP dispatcher: there
// (any interface but the sending one) it must pass frames untouched.
TEST_F(RewriteTest, FramesFromOtherInterfacesPassUntouched) {
  FrameSpec spec = Spec("10.0.0.1", "10.0.0.2");
  spec.flows = 16;
  ingress_ifindex_ += 1000;  // not lo, where the test runs claim to come in
  expected_verdict_ = XDP_PASS;
  Run(spec, 3);
  EXPECT_EQ(last_output_, template_);
}

}  // namespace
}  // namespace sluice::pktgen
