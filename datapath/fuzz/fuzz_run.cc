#include "datapath/fuzz/fuzz_run.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "datapath/fuzz/frame_checks.h"
#include "base/packet/packet_parser.h"
#include "gtest/gtest.h"

namespace sluice::testing {
namespace {

// Frames reported in full; later failures are only counted.
constexpr uint64_t kReportedFailures = 5;

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  if (absl::string_view(text) == "random" &&
      absl::string_view(name) == "SLUICE_FUZZ_SEED") {
    return (uint64_t{std::random_device()()} << 32) | std::random_device()();
  }
  uint64_t value;
  if (!absl::SimpleAtoi(text, &value)) {
    ADD_FAILURE() << name << "='" << text << "' is not a number";
    return fallback;
  }
  return value;
}

}  // namespace

FuzzSettings ReadFuzzSettings() {
  FuzzSettings s;
  s.seed = EnvNumber("SLUICE_FUZZ_SEED", s.seed);
  s.frames = EnvNumber("SLUICE_FUZZ_FRAMES", s.frames);
  return s;
}

FuzzTally RunFuzz(const std::string& name, const FuzzSettings& settings,
                  const std::vector<SeedFrame>& seeds,
                  const MutationDictionary& dictionary,
                  const FuzzProgram& program) {
  FuzzTally tally;
  std::printf("[fuzz] %s: seed %llu, %llu frames (SLUICE_FUZZ_SEED=%llu "
              "SLUICE_FUZZ_FRAMES=%llu replays it)\n",
              name.c_str(), static_cast<unsigned long long>(settings.seed),
              static_cast<unsigned long long>(settings.frames),
              static_cast<unsigned long long>(settings.seed),
              static_cast<unsigned long long>(settings.frames));
  for (const SeedFrame& s : seeds) {
    const FuzzOutcome o = program(s.frame);
    EXPECT_EQ(o.problem, "") << name << " seed frame " << s.name << ": "
                             << Hex(s.frame);
  }

  FrameMutator mutator(settings.seed, dictionary);
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < settings.frames; ++i) {
    const SeedFrame& s = seeds[mutator.Below(seeds.size())];
    const Mutant m = mutator.Mutate(s.frame);
    const FuzzOutcome o = program(m.frame);
    ++tally.frames;
    ++tally.verdicts[o.verdict];
    if (WellFormed(ParsePacket(m.frame))) ++tally.well_formed_inputs;
    if (o.problem.empty()) continue;
    if (++tally.failures <= kReportedFailures) {
      ADD_FAILURE() << name << " frame " << i << " (seed "
                    << settings.seed << "), a mutant of " << s.name << " ("
                    << m.how << "), verdict " << o.verdict << ": "
                    << o.problem << "\n  in:  " << Hex(m.frame) << "\n"
                    << ParsePacket(m.frame).DebugString();
    }
  }
  tally.seconds = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - start)
                      .count();

  std::vector<std::string> verdicts;
  for (const auto& [verdict, n] : tally.verdicts) {
    verdicts.push_back(absl::StrCat(verdict, " ", n));
  }
  std::printf("[fuzz] %s: %llu frames in %.2f s (%.1f us/frame), %llu still "
              "well-formed; verdicts: %s; failures %llu\n",
              name.c_str(), static_cast<unsigned long long>(tally.frames),
              tally.seconds, tally.seconds * 1e6 / std::max<uint64_t>(1, tally.frames),
              static_cast<unsigned long long>(tally.well_formed_inputs),
              absl::StrJoin(verdicts, ", ").c_str(),
              static_cast<unsigned long long>(tally.failures));
  EXPECT_EQ(tally.failures, 0u) << name << ": frames with a problem";
  return tally;
}

}  // namespace sluice::testing
