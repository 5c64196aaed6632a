// Blacklist Push over real gRPC (a Unix socket) into a real LoadBalancer:
// only a stream the client half-closes commits; a cancelled one, one whose
// deadline passed and one whose client died change nothing.
#include <grpcpp/grpcpp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "api/service/blacklist_service.h"
#include "gtest/gtest.h"
#include "lb/testing/test_load_balancer.h"

extern char** environ;

namespace sluice::api {
namespace {

using std::chrono::milliseconds;

class BlacklistPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    pin_dir_ = absl::StrCat("/sys/fs/bpf/sluice-push-test-", getpid());
    socket_ = absl::StrCat("/tmp/sluice-push-test-", getpid(), ".sock");
    auto t = lb::testing::OpenTestLoadBalancer(lb::testing::SmallDatapathOptions(pin_dir_),
                                               nullptr);
    ASSERT_TRUE(t.ok()) << t.status();
    datapath_ = std::move(t->datapath);
    lb_ = std::move(t->lb);
    ASSERT_TRUE(lb_->AddToBlacklist({{*ParseIpPrefix("192.0.2.0/24")}, {}}).ok());

    service_ = std::make_unique<BlacklistService>(lb_.get(), /*has_xdp_interface=*/true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort(absl::StrCat("unix:", socket_), grpc::InsecureServerCredentials());
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::Blacklist::NewStub(
        grpc::CreateChannel(absl::StrCat("unix:", socket_), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + milliseconds(500));
    server_.reset();
    service_.reset();
    lb_.reset();
    datapath_.reset();
    if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
    if (!socket_.empty()) unlink(socket_.c_str());
  }

  std::vector<std::string> Prefixes() {
    std::vector<std::string> out;
    for (const IpPrefix& p : lb_->ListBlacklist().prefixes) out.push_back(p.ToString());
    return out;
  }

  // Waits long enough for a wrong commit to have happened, then checks none did.
  void ExpectUnchanged(const char* what) {
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_EQ(Prefixes(), std::vector<std::string>{"192.0.2.0/24"}) << what;
  }

  static v1::BlacklistEntries Chunk(std::initializer_list<const char*> prefixes) {
    v1::BlacklistEntries c;
    for (const char* p : prefixes) c.add_prefixes(p);
    return c;
  }

  std::string pin_dir_, socket_;
  std::unique_ptr<XdpDatapath> datapath_;
  std::unique_ptr<lb::LoadBalancer> lb_;
  std::unique_ptr<BlacklistService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Blacklist::Stub> stub_;
};

TEST_F(BlacklistPushTest, AHalfClosedStreamReplacesTheList) {
  grpc::ClientContext ctx;
  v1::BlacklistResponse resp;
  auto writer = stub_->Push(&ctx, &resp);
  ASSERT_TRUE(writer->Write(Chunk({"10.0.0.0/8"})));
  ASSERT_TRUE(writer->Write(Chunk({"2001:db8::/32"})));
  ASSERT_TRUE(writer->WritesDone());
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.prefixes(), 2u);
  EXPECT_EQ(Prefixes(), (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
}

TEST_F(BlacklistPushTest, ACancelledStreamChangesNothing) {
  grpc::ClientContext ctx;
  v1::BlacklistResponse resp;
  auto writer = stub_->Push(&ctx, &resp);
  ASSERT_TRUE(writer->Write(Chunk({"10.0.0.0/8"})));
  std::this_thread::sleep_for(milliseconds(100));   // the chunk reaches lbd
  ctx.TryCancel();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ExpectUnchanged("after a cancelled push");
}

TEST_F(BlacklistPushTest, AStreamPastItsDeadlineChangesNothing) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + milliseconds(200));
  v1::BlacklistResponse resp;
  auto writer = stub_->Push(&ctx, &resp);
  ASSERT_TRUE(writer->Write(Chunk({"10.0.0.0/8"})));
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ExpectUnchanged("after a push past its deadline");
}

TEST_F(BlacklistPushTest, AClientKilledMidStreamChangesNothing) {
  const std::string helper = absl::StrCat(PUSH_AND_DIE_PATH);
  char* argv[] = {const_cast<char*>(helper.c_str()), socket_.data(), nullptr};
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, helper.c_str(), nullptr, nullptr, argv, environ), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  ExpectUnchanged("after the client died mid-stream");
}

}  // namespace
}  // namespace sluice::api
