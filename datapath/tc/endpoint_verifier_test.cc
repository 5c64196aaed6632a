// Headroom under the verifier's limit: every program of the node datapath
// (datapath/tc/endpoint.bpf.c), loaded as the fixture loads it, must verify
// in at most 70% of the kernel's 1M processed-instruction limit, so the next
// feature does not push it over. The counts are printed for
// docs/tc-datapath.md ("Stages").
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cstdint>
#include <cstdio>

#include "datapath/tc/endpoint_fixture.h"
#include "endpoint.skel.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

// BPF_COMPLEXITY_LIMIT_INSNS in the kernel's verifier.
constexpr uint32_t kVerifierLimit = 1000000;
constexpr uint32_t kMaxVerifiedInsns = kVerifierLimit / 10 * 7;

TEST_F(EndpointTest, EveryProgramLeavesVerifierHeadroom) {
  int programs = 0;
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len), 0)
        << bpf_program__name(prog);
    std::printf("%-24s verified_insns %u\n", bpf_program__name(prog),
                info.verified_insns);
    EXPECT_GT(info.verified_insns, 0u)
        << bpf_program__name(prog) << ": the kernel reports no count";
    EXPECT_LE(info.verified_insns, kMaxVerifiedInsns)
        << bpf_program__name(prog)
        << " is within 30% of the verifier's 1M-instruction limit";
    ++programs;
  }
  EXPECT_GT(programs, 0);
}

}  // namespace
}  // namespace sluice::testing
