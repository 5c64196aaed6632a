// The loop every datapath fuzz test shares: settings from the environment,
// valid seed frames run first (so the connection tables hold flows the
// mutants then hit), mutants of randomly chosen seeds, a tally of verdicts,
// and the first failures reported with what reproduces them.
//
//   SLUICE_FUZZ_SEED    the PRNG seed (decimal; "random" picks one); the
//                       run prints it. Default 1: the suite is repeatable.
//   SLUICE_FUZZ_FRAMES  mutated frames per program (default 10000).
//
// The same seed and frame count replay the same frames in the same order.
#ifndef SLUICE_DATAPATH_FUZZ_FUZZ_RUN_H_
#define SLUICE_DATAPATH_FUZZ_FUZZ_RUN_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "datapath/fuzz/frame_mutator.h"

namespace sluice::testing {

struct FuzzSettings {
  uint64_t seed = 1;
  uint64_t frames = 10000;
};

// Reads the environment; a malformed value fails the test that asked.
FuzzSettings ReadFuzzSettings();

// A valid frame of one kind the program handles, named for messages.
struct SeedFrame {
  std::string name;
  Bytes frame;
};

// What one run of the program did with a frame.
struct FuzzOutcome {
  std::string verdict;  // its name, for the tally ("tx", "pass", "drop", ...)
  // "" when the verdict is defined and counted and the output is right,
  // else what is wrong.
  std::string problem;
};

using FuzzProgram = std::function<FuzzOutcome(const Bytes& frame)>;

struct FuzzTally {
  uint64_t frames = 0;
  uint64_t well_formed_inputs = 0;  // mutants that still parse whole and right
  uint64_t failures = 0;
  std::map<std::string, uint64_t> verdicts;
  double seconds = 0;
};

// Runs each seed once, then settings.frames mutants through `program`,
// adding a gtest failure for each of the first few frames with a problem.
// Prints the tally under `name`.
FuzzTally RunFuzz(const std::string& name, const FuzzSettings& settings,
                  const std::vector<SeedFrame>& seeds,
                  const MutationDictionary& dictionary,
                  const FuzzProgram& program);

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_FUZZ_FUZZ_RUN_H_
