// Whether a program counts every verdict it returns exactly once: a per-CPU
// counter array (struct sluice_counter values) keyed by verdict, read back
// after each run and compared with the verdicts seen.
#ifndef SLUICE_DATAPATH_FUZZ_COUNTED_VERDICTS_H_
#define SLUICE_DATAPATH_FUZZ_COUNTED_VERDICTS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::testing {

class CountedVerdicts {
 public:
  // Reads keys [0, keys) of `map_fd` as the baseline.
  CountedVerdicts(int map_fd, uint32_t keys);

  // After a run that returned the verdict counted under `key`: "" when that
  // counter moved by exactly one since the last check and no other moved.
  // After a miscount the next checks start from the counters as they are.
  std::string Counted(uint32_t key);
  // "" when every key's counter equals the baseline plus the verdicts seen.
  std::string AllCounted();
  uint64_t Seen(uint32_t key) const { return seen_[key]; }
  // How much the counters of every key moved since the baseline, summed
  // (for a drop-reason array: the drops counted under any reason).
  uint64_t MovedInAll() const;

 private:
  uint64_t Read(uint32_t key) const;

  int fd_;
  std::vector<uint64_t> baseline_;
  std::vector<uint64_t> seen_;
};

}  // namespace sluice::testing

#endif  // SLUICE_DATAPATH_FUZZ_COUNTED_VERDICTS_H_
