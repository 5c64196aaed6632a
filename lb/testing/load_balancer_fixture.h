// A gtest fixture owning a test LoadBalancer (test_load_balancer.h) in a pin
// dir of its own, removed at the end; skips without root.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lb/testing/test_load_balancer.h"

namespace sluice::lb::testing {

class LoadBalancerFixture : public ::testing::Test {
 protected:
  // Call from SetUp. `name` tells the pin dirs of concurrent tests apart.
  void Open(const std::string& name, NextHopResolver resolver,
            uint32_t default_ring_size = 65537) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to load BPF programs";
    pin_dir_ = absl::StrCat("/sys/fs/bpf/sluice-", name, "-", getpid());
    auto t = OpenTestLoadBalancer(SmallDatapathOptions(pin_dir_), std::move(resolver),
                                  default_ring_size);
    ASSERT_TRUE(t.ok()) << t.status();
    datapath_ = std::move(t->datapath);
    lb_ = std::move(t->lb);
  }

  void TearDown() override {
    lb_.reset();
    datapath_.reset();
    if (!pin_dir_.empty()) std::system(absl::StrCat("rm -rf ", pin_dir_).c_str());
  }

  std::string pin_dir_;
  std::unique_ptr<XdpDatapath> datapath_;
  std::unique_ptr<LoadBalancer> lb_;   // destroyed first
};

}  // namespace sluice::lb::testing
