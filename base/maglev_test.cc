#include "base/maglev.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kSeed = 0x5111ce;

// 10.0.0.0 + i, as the 4 address bytes.
std::string Ip4(uint32_t i) {
  uint32_t a = (10u << 24) + i;
  return std::string{static_cast<char>(a >> 24), static_cast<char>(a >> 16),
                     static_cast<char>(a >> 8), static_cast<char>(a)};
}

std::vector<MaglevBackend> Backends(uint32_t n, uint32_t weight = 100) {
  std::vector<MaglevBackend> out;
  for (uint32_t i = 0; i < n; ++i) out.push_back({i, Ip4(i), weight});
  return out;
}

std::vector<uint32_t> Build(const std::vector<MaglevBackend>& backends,
                            uint32_t m = kDefaultMaglevTableSize,
                            uint64_t seed = kSeed) {
  absl::StatusOr<std::vector<uint32_t>> table =
      BuildMaglevTable(backends, m, seed);
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *table : std::vector<uint32_t>{};
}

// Entries per id; ids are < n.
std::vector<uint32_t> Counts(const std::vector<uint32_t>& table, uint32_t n) {
  std::vector<uint32_t> counts(n, 0);
  for (uint32_t id : table) ++counts.at(id);
  return counts;
}

absl::Status BuildStatus(const std::vector<MaglevBackend>& backends,
                         uint32_t m = 13) {
  return BuildMaglevTable(backends, m, kSeed).status();
}

void Record(const std::string& key, double value) {
  ::testing::Test::RecordProperty(key, absl::StrFormat("%.5f", value));
  std::printf("  %-40s %.5f\n", key.c_str(), value);
}

TEST(IsPrimeTest, SmallAndLarge) {
  for (uint32_t n : {0u, 1u, 4u, 9u, 25u, 65535u, 65536u, 1u << 24,
                     4293001441u /* 65521^2 */, 4294967295u}) {
    EXPECT_FALSE(IsPrime(n)) << n;
  }
  for (uint32_t n :
       {2u, 3u, 5u, 13u, 65537u, 655373u, 16777213u, 16777259u, 4294967291u}) {
    EXPECT_TRUE(IsPrime(n)) << n;
  }
}

// Reference vectors (SipHash paper / reference test.c): key 00..0f,
// message 00..n-1. Every LB instance must hash exactly like this.
TEST(SipHash24Test, ReferenceVectors) {
  const uint64_t k0 = 0x0706050403020100, k1 = 0x0f0e0d0c0b0a0908;
  std::string msg;
  for (char c = 0; c < 16; ++c) msg.push_back(c);
  EXPECT_EQ(SipHash24(k0, k1, ""), 0x726fdb47dd0e0e31u);
  EXPECT_EQ(SipHash24(k0, k1, msg.substr(0, 1)), 0x74f839c593dc67fdu);
  EXPECT_EQ(SipHash24(k0, k1, msg.substr(0, 7)), 0xab0200f58b01d137u);
  EXPECT_EQ(SipHash24(k0, k1, msg.substr(0, 8)), 0x93f5f5799a932462u);
  EXPECT_EQ(SipHash24(k0, k1, msg.substr(0, 15)), 0xa129ca6149be45e5u);
  EXPECT_EQ(SipHash24(k0, k1, msg.substr(0, 16)), 0x3f2acc7f57c29bdbu);
}

// Pins the whole algorithm: LB instances running different builds must agree.
// A change here changes every table in the fleet; see docs/maglev.md.
TEST(MaglevTest, Golden) {
  std::vector<MaglevBackend> b = {
      {7, Ip4(1), 1}, {8, Ip4(2), 2}, {9, Ip4(3), 3}, {5, Ip4(4), 0}};
  const std::vector<uint32_t> want = {9, 9, 8, 9, 8, 9, 9, 7, 9, 9, 7,
                                      7, 9, 8, 9, 8, 8, 9, 8, 7, 9, 7,
                                      8, 9, 8, 8, 8, 9, 9, 9, 9};
  EXPECT_EQ(Build(b, 31, 1), want);
}

// The paper's population loop (Eisenbud et al., NSDI'16, Pseudocode 1),
// written plainly: backends take turns in key order until the table is full.
std::vector<uint32_t> PaperTable(std::vector<MaglevBackend> b, uint32_t m,
                                 uint64_t seed) {
  std::sort(b.begin(), b.end(),
            [](const auto& x, const auto& y) { return x.key < y.key; });
  std::vector<uint64_t> next(b.size(), 0);
  std::vector<uint32_t> table(m, kMaglevNoBackend);
  for (uint32_t filled = 0;;) {
    for (size_t i = 0; i < b.size(); ++i) {
      const MaglevPermutation p = PermutationOf(b[i].key, m, seed);
      uint32_t c;
      do {
        c = (p.offset + next[i]++ * p.skip) % m;
      } while (table[c] != kMaglevNoBackend);
      table[c] = b[i].id;
      if (++filled == m) return table;
    }
  }
}

// With equal weights the builder is the paper's algorithm, entry for entry
// (exact whenever 4 * ceil(M/N)^2 <= M; docs/maglev.md).
TEST(MaglevTest, EqualWeightsGiveThePapersTable) {
  for (auto [m, n] : {std::pair<uint32_t, uint32_t>{1009, 100},
                      {65537, 600},
                      {65537, 1000}}) {
    const std::vector<MaglevBackend> b = Backends(n);
    EXPECT_EQ(Build(b, m), PaperTable(b, m, kSeed)) << "M=" << m << " N=" << n;
  }
}

TEST(MaglevTest, IndependentOfInputOrder) {
  std::vector<MaglevBackend> b = Backends(100);
  for (uint32_t i = 0; i < b.size(); ++i) b[i].weight = 1 + i % 7;
  const std::vector<uint32_t> want = Build(b);
  std::mt19937 rng(1);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(b.begin(), b.end(), rng);
    EXPECT_EQ(Build(b), want);
  }
}

TEST(MaglevTest, SeedChangesTable) {
  const std::vector<MaglevBackend> b = Backends(10);
  const std::vector<uint32_t> a = Build(b, kDefaultMaglevTableSize, 1);
  const std::vector<uint32_t> c = Build(b, kDefaultMaglevTableSize, 2);
  ASSERT_EQ(a.size(), c.size());
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += a[i] != c[i];
  // Unrelated tables over 10 backends differ in ~90% of the entries.
  EXPECT_GT(differ, a.size() * 8 / 10);
}

TEST(MaglevTest, RejectsBadTableSize) {
  for (uint32_t m :
       {0u, 1u, 4u, 65536u, kMaxMaglevTableSize, 16777259u /* prime */}) {
    absl::Status s = BuildStatus(Backends(2), m);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << m;
    EXPECT_THAT(s.message(), HasSubstr("table_size")) << m;
  }
  // The largest prime accepted; drained backends skip the (2 s) fill.
  EXPECT_TRUE(BuildStatus(Backends(2, 0), 16777213).ok());
}

TEST(MaglevTest, RejectsBadBackends) {
  std::vector<MaglevBackend> b = Backends(3);
  b[2].key = b[0].key;
  absl::Status s = BuildStatus(b);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      s.message(),
      HasSubstr("backends[2].key: duplicate of backends[0].key (0a000000)"));

  b = Backends(3);
  b[1].id = b[2].id;
  s = BuildStatus(b);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("backends[2].id: duplicate of backends[1].id"));

  b = Backends(3);
  b[1].id = kMaglevNoBackend;
  b[1].weight = 0;  // reserved even for a drained backend
  s = BuildStatus(b);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("backends[1].id"));

  b = Backends(3);
  b[0].key.clear();
  s = BuildStatus(b);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("backends[0].key: empty"));
}

TEST(MaglevTest, RejectsMoreActiveBackendsThanEntries) {
  std::vector<MaglevBackend> b = Backends(14, 1);
  absl::Status s = BuildStatus(b, 13);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("backends: 14 have weight > 0"));
  b[13].weight = 0;  // 13 active backends fill a 13-entry table once each
  std::vector<uint32_t> want(14, 1);
  want[13] = 0;
  EXPECT_EQ(Counts(Build(b, 13), 14), want);
}

TEST(MaglevTest, NoActiveBackendMeansNoBackendEverywhere) {
  const std::vector<uint32_t> all_drop(13, kMaglevNoBackend);
  EXPECT_EQ(Build({}, 13), all_drop);
  EXPECT_EQ(Build(Backends(3, 0), 13), all_drop);
}

TEST(MaglevTest, DrainTakesNothingAndEqualsRemoval) {
  std::vector<MaglevBackend> b = Backends(10);
  b[4].weight = 0;
  const std::vector<uint32_t> drained = Build(b);
  EXPECT_EQ(Counts(drained, 10)[4], 0u);
  b.erase(b.begin() + 4);
  EXPECT_EQ(Build(b), drained);
}

// Every backend gets the floor or the ceiling of its exact share.
void ExpectExactShares(const std::vector<MaglevBackend>& b, uint32_t m) {
  double total = 0;
  for (const MaglevBackend& x : b) total += x.weight;
  const std::vector<uint32_t> counts = Counts(Build(b, m), b.size());
  for (const MaglevBackend& x : b) {
    EXPECT_LT(std::abs(counts[x.id] - m * x.weight / total), 1.0)
        << "id " << x.id;
  }
}

TEST(MaglevTest, WeightsOneTwoThree) {
  std::vector<MaglevBackend> b = Backends(3);
  for (uint32_t i = 0; i < 3; ++i) b[i].weight = i + 1;
  ExpectExactShares(b, kDefaultMaglevTableSize);
  ExpectExactShares(b, 13);
  // Only the ratios matter.
  const std::vector<uint32_t> small = Build(b);
  for (MaglevBackend& x : b) x.weight *= 100;
  EXPECT_EQ(Build(b), small);
}

TEST(MaglevTest, RandomWeights) {
  std::vector<MaglevBackend> b = Backends(100);
  std::mt19937 rng(7);
  for (MaglevBackend& x : b) x.weight = 1 + rng() % 1000;
  ExpectExactShares(b, kDefaultMaglevTableSize);
}

TEST(MaglevTest, TinyShareRaisedToOneEntry) {
  std::vector<MaglevBackend> b = Backends(1000, 100000);
  b[500].weight = 1;  // exact share 0.00066 entries
  const std::vector<uint32_t> counts = Counts(Build(b), 1000);
  EXPECT_EQ(counts[500], 1u);
  const uint32_t rest = kDefaultMaglevTableSize - 1;  // 65536 over 999
  for (uint32_t i = 0; i < 1000; ++i) {
    if (i == 500) continue;
    EXPECT_GE(counts[i], rest / 999) << i;
    EXPECT_LE(counts[i], rest / 999 + 1) << i;
  }
}

struct Shape {
  uint32_t m;
  uint32_t n;
  // Bound on the entries that move between two backends that both stay, as a
  // fraction of M, for one backend added, removed or halved: about 1.5x the
  // worst measured value (docs/maglev.md). The paper's own loop moves the same
  // entries (EqualWeightsGiveThePapersTable): this is Maglev's price for its
  // perfect balance, not an artefact of this builder.
  double max_others;
};

std::string ShapeName(const ::testing::TestParamInfo<Shape>& info) {
  return absl::StrFormat("M%u_N%u", info.param.m, info.param.n);
}

class MaglevShapeTest : public ::testing::TestWithParam<Shape> {};

INSTANTIATE_TEST_SUITE_P(Shapes, MaglevShapeTest,
                         ::testing::Values(Shape{65537, 3, 0.002},
                                           Shape{65537, 10, 0.004},
                                           Shape{65537, 100, 0.009},
                                           Shape{65537, 1000, 0.009},
                                           Shape{655373, 1000, 0.005}),
                         ShapeName);

// Each turn fills exactly one entry and equal weights get equal turns, so the
// table balance is the optimum: every backend holds floor(M/N) or ceil(M/N).
TEST_P(MaglevShapeTest, Balance) {
  const uint32_t m = GetParam().m, n = GetParam().n;
  const std::vector<uint32_t> counts = Counts(Build(Backends(n), m), n);
  const uint32_t max = *std::max_element(counts.begin(), counts.end());
  const uint32_t min = *std::min_element(counts.begin(), counts.end());
  Record("max_entries", max);
  Record("min_entries", min);
  Record("max_over_mean", static_cast<double>(max) * n / m);
  EXPECT_EQ(max, (m + n - 1) / n);
  EXPECT_EQ(min, m / n);
}

struct Moves {
  double moved = 0;    // entries that changed backend, fraction of M
  double optimum = 0;  // entries of the removed / added backend, fraction of M
  double others = 0;   // entries moved between two backends that stayed
};

// `changed` is the id removed (in `before`) or added (in `after`).
Moves Compare(const std::vector<uint32_t>& before,
              const std::vector<uint32_t>& after, uint32_t changed) {
  Moves mv;
  for (size_t i = 0; i < before.size(); ++i) {
    mv.optimum += before[i] == changed || after[i] == changed;
    if (before[i] == after[i]) continue;
    mv.moved += 1;
    mv.others += before[i] != changed && after[i] != changed;
  }
  mv.moved /= before.size();
  mv.optimum /= before.size();
  mv.others /= before.size();
  return mv;
}

void RecordMoves(const std::string& what, const std::vector<Moves>& runs) {
  Moves mean;
  double worst_others = 0;
  for (const Moves& mv : runs) {
    mean.moved += mv.moved / runs.size();
    mean.optimum += mv.optimum / runs.size();
    mean.others += mv.others / runs.size();
    worst_others = std::max(worst_others, mv.others);
  }
  Record(what + "_moved_mean", mean.moved);
  Record(what + "_optimum_mean", mean.optimum);
  Record(what + "_others_moved_mean", mean.others);
  Record(what + "_others_moved_max", worst_others);
}

constexpr uint32_t kDisruptionRuns = 10;

TEST_P(MaglevShapeTest, RemoveOneBackend) {
  const auto [m, n, max_others] = GetParam();
  const std::vector<MaglevBackend> all = Backends(n);
  const std::vector<uint32_t> before = Build(all, m);
  std::vector<Moves> runs;
  for (uint32_t r = 0; r < std::min(n, kDisruptionRuns); ++r) {
    const uint32_t gone = r * n / std::min(n, kDisruptionRuns);
    std::vector<MaglevBackend> rest = all;
    rest.erase(rest.begin() + gone);
    runs.push_back(Compare(before, Build(rest, m), gone));
  }
  RecordMoves("remove", runs);
  for (const Moves& mv : runs) {
    EXPECT_LE(mv.others, max_others);
  }
}

TEST_P(MaglevShapeTest, AddOneBackend) {
  const auto [m, n, max_others] = GetParam();
  const std::vector<MaglevBackend> all = Backends(n);
  const std::vector<uint32_t> before = Build(all, m);
  std::vector<Moves> runs;
  for (uint32_t r = 0; r < kDisruptionRuns; ++r) {
    std::vector<MaglevBackend> more = all;
    more.push_back({n, Ip4(n + r), 100});
    runs.push_back(Compare(before, Build(more, m), n));
  }
  RecordMoves("add", runs);
  for (const Moves& mv : runs) {
    EXPECT_LE(mv.others, max_others);
  }
}

TEST_P(MaglevShapeTest, HalveOneWeight) {
  const auto [m, n, max_others] = GetParam();
  std::vector<MaglevBackend> b = Backends(n);
  const std::vector<uint32_t> before = Build(b, m);
  b[n / 2].weight /= 2;
  const std::vector<uint32_t> after = Build(b, m);
  const Moves mv = Compare(before, after, n / 2);
  // The least that can move: the entries the halved backend gives up.
  const double optimum = (Counts(before, n)[n / 2] - Counts(after, n)[n / 2]) /
                         static_cast<double>(m);
  Record("halve_moved", mv.moved);
  Record("halve_optimum", optimum);
  Record("halve_others_moved", mv.others);
  EXPECT_LE(mv.others, max_others);
}

}  // namespace
}  // namespace sluice
