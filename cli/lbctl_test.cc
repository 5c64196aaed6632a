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
  EXPECT_EQ(r.err, absl::StrCat("lbctl: ", path, ":4: '10.0.0.0/99' is not a CIDR prefix or IP address\n"));
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

TEST(Lbctl, UnreachableServer) {
  std::vector<std::string> args = {"--server", "/nonexistent/lbd.sock", "vip", "list"};
  std::string out, err;
  EXPECT_EQ(RunLbctl(args, nullptr, &out, &err), 1);
  EXPECT_THAT(err, MatchesRegex("lbctl: UNAVAILABLE: cannot reach lbd at unix:/nonexistent/lbd.sock[^\n]*\n"));
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
  std::vector<std::string> later = {"monitor"};
  EXPECT_EQ(RunLbctl(later, nullptr, &out, &err), 2);
  EXPECT_EQ(err, "lbctl: 'monitor' is not supported by this lbd yet\n");
}

}  // namespace
}  // namespace sluice::cli
