#include "base/ring_allocator.h"

#include <map>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

struct Ring {
  uint32_t offset;
  uint32_t size;
};

// Adds rings of the given sizes (cycling) until the allocator refuses one.
std::vector<Ring> Fill(RingAllocator& rings, const std::vector<uint32_t>& sizes) {
  std::vector<Ring> out;
  for (size_t i = 0;; ++i) {
    uint32_t size = sizes[i % sizes.size()];
    if (!rings.CheckRoomForNewRing(size).ok()) break;
    auto offset = rings.Allocate(size);
    EXPECT_TRUE(offset.ok()) << offset.status();
    if (!offset.ok()) break;
    out.push_back({*offset, size});
  }
  return out;
}

// A copy-on-write rewrite as LoadBalancer::CommitRing does it.
bool Rewrite(RingAllocator& rings, Ring& ring) {
  auto offset = rings.Allocate(ring.size);
  if (!offset.ok()) return false;
  rings.Free(ring.offset, ring.size);
  ring.offset = *offset;
  return true;
}

void ExpectNoOverlap(const std::vector<Ring>& rings) {
  std::map<uint32_t, uint32_t> by_offset;
  for (const Ring& r : rings) by_offset[r.offset] = r.size;
  uint32_t end = 0;
  for (const auto& [offset, size] : by_offset) {
    EXPECT_GE(offset, end) << "rings overlap at " << offset;
    end = offset + size;
  }
}

TEST(RingAllocator, FullPoolOfOneSizeStillRewritesEveryRing) {
  RingAllocator rings(8 * 101);
  std::vector<Ring> all = Fill(rings, {101});
  EXPECT_EQ(all.size(), 7u) << "one region stays spare";
  for (int round = 0; round < 3; ++round) {
    for (Ring& r : all) ASSERT_TRUE(Rewrite(rings, r));
  }
  ExpectNoOverlap(all);
}

// Mixed sizes fragment a first-fit pool: without a spare per size, rewriting
// a small ring could take the only region a large ring's rewrite needs.
TEST(RingAllocator, FullPoolOfMixedSizesStillRewritesEveryRingInAnyOrder) {
  RingAllocator rings(5000);
  std::vector<Ring> all = Fill(rings, {331, 101, 13, 101, 7});
  ASSERT_GE(all.size(), 10u);
  std::mt19937 random(5);
  for (int step = 0; step < 2000; ++step) {
    Ring& r = all[random() % all.size()];
    ASSERT_TRUE(Rewrite(rings, r)) << "step " << step << ": ring of " << r.size;
  }
  ExpectNoOverlap(all);
}

TEST(RingAllocator, RefusalNamesThePoolAndTheFlag) {
  RingAllocator rings(3 * 101);
  ASSERT_TRUE(rings.CheckRoomForNewRing(101).ok());
  ASSERT_TRUE(rings.Allocate(101).ok());
  ASSERT_TRUE(rings.CheckRoomForNewRing(101).ok());
  ASSERT_TRUE(rings.Allocate(101).ok());
  absl::Status full = rings.CheckRoomForNewRing(101);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("Maglev ring pool full"));
  EXPECT_THAT(full.message(), HasSubstr("--ring-pool-entries"));
  EXPECT_FALSE(rings.CheckRoomForNewRing(2).ok()) << "a new size needs a spare too";
  EXPECT_FALSE(RingAllocator(201).CheckRoomForNewRing(101).ok()) << "ring plus spare";
}

TEST(RingAllocator, DeletingTheLastRingOfASizeReleasesItsSpare) {
  RingAllocator rings(3 * 100);
  auto a = rings.Allocate(100);
  ASSERT_TRUE(a.ok());
  auto b = rings.Allocate(100);   // carves a's spare, then takes it
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(rings.CheckRoomForNewRing(100).ok()) << "a, b and a spare fill the pool";
  rings.Free(*a, 100);
  rings.Free(*b, 100);
  EXPECT_TRUE(rings.CheckRoomForNewRing(150).ok()) << "everything free and coalesced";
  EXPECT_FALSE(rings.CheckRoomForNewRing(151).ok());
}

TEST(RingAllocator, RestoredRingsGetTheirSpareBack) {
  RingAllocator rings(3 * 100);
  ASSERT_TRUE(rings.Reserve(100, 100));
  ASSERT_TRUE(rings.Reserve(0, 100));
  EXPECT_FALSE(rings.CheckRoomForNewRing(100).ok()) << "the free region is the spare";
  Ring r{0, 100};
  ASSERT_TRUE(Rewrite(rings, r));
  EXPECT_EQ(r.offset, 200u);
  ASSERT_TRUE(Rewrite(rings, r));
  EXPECT_EQ(r.offset, 0u);
}

}  // namespace
}  // namespace sluice
