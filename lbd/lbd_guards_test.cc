// The two guards of lbd against a second instance: the socket path it may
// claim (unix_socket_path.h) and the pin dir lock (pin_dir_lock.h).
#include "lbd/unix_socket_path.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lbd/pin_dir_lock.h"

namespace sluice::lbd {
namespace {

class LbdGuardsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sluice-socket-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/run/lbd.sock";
  }
  void TearDown() override {
    for (int fd : fds_) close(fd);
    std::system(absl::StrCat("rm -rf ", dir_).c_str());
  }

  // A socket bound at path_; listening or not (a killed server's leftover).
  void Bind(bool listen) {
    mkdir((dir_ + "/run").c_str(), 0755);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << strerror(errno);
    if (listen) {
      ASSERT_EQ(::listen(fd, 1), 0);
    }
    fds_.push_back(fd);
  }

  bool Exists() const {
    struct stat st;
    return lstat(path_.c_str(), &st) == 0;
  }

  std::string dir_, path_;
  std::vector<int> fds_;
};

TEST_F(LbdGuardsTest, MissingPathGetsItsDirectory) {
  ASSERT_TRUE(ClaimUnixSocketPath(path_).ok());
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/run").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(LbdGuardsTest, StaleSocketIsRemoved) {
  Bind(/*listen=*/false);
  ASSERT_TRUE(Exists());
  ASSERT_TRUE(ClaimUnixSocketPath(path_).ok());
  EXPECT_FALSE(Exists());
}

TEST_F(LbdGuardsTest, SocketSomeoneServesOnIsRefusedAndKept) {
  Bind(/*listen=*/true);
  absl::Status s = ClaimUnixSocketPath(path_);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(path_), std::string::npos) << s;
  EXPECT_TRUE(Exists());
}

TEST_F(LbdGuardsTest, RegularFileIsRefusedAndKept) {
  mkdir((dir_ + "/run").c_str(), 0755);
  std::ofstream(path_) << "precious\n";
  absl::Status s = ClaimUnixSocketPath(path_);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(path_ + " exists and is not a socket"), std::string::npos) << s;
  std::ifstream in(path_);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "precious");
}

TEST_F(LbdGuardsTest, PinDirLockIsExclusiveUntilReleased) {
  std::string pins = dir_ + "/pins";
  auto first = PinDirLock::Acquire(pins);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = PinDirLock::Acquire(pins);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another lbd is running on pin dir " + pins),
            std::string::npos)
      << second.status();
  first->reset();
  EXPECT_TRUE(PinDirLock::Acquire(pins).ok());
}

}  // namespace
}  // namespace sluice::lbd
