// The `lbctl blacklist push` file: one entry a line, a CIDR prefix or an IP
// address (= /32, /128) for the source blacklist, or "arp IPV4" for the ARP
// blacklist; '#' starts a comment, blank lines are ignored.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sluice/v1/blacklist.pb.h"

namespace sluice::cli {

struct BlacklistFile {
  std::vector<std::string> prefixes;
  std::vector<std::string> arp_ips;
};

// Parses the whole text before anything is sent, so a bad line never leaves
// a half-pushed stream. INVALID_ARGUMENT "NAME:LINE: ..." on the first bad line.
absl::StatusOr<BlacklistFile> ParseBlacklistFile(absl::string_view text,
                                                 absl::string_view name);

// Reads `path` whole, or `in` when path is "-". NOT_FOUND etc. with the path.
absl::StatusOr<std::string> ReadInput(const std::string& path, std::FILE* in);

// Splits the entries into Push messages of at most `chunk_size` entries each
// (prefixes first, then ARP addresses). Always at least one message, so an
// empty file pushes an empty list.
std::vector<sluice::v1::BlacklistEntries> SplitIntoChunks(BlacklistFile file,
                                                          size_t chunk_size);

}  // namespace sluice::cli
