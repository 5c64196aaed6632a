#include "cli/blacklist_file.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/quote_value.h"
#include "cli/address.h"

namespace sluice::cli {
namespace {


bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Next whitespace-separated token of `*line`, consumed; empty at the end.
absl::string_view NextToken(absl::string_view* line) {
  size_t i = 0;
  while (i < line->size() && IsSpace((*line)[i])) ++i;
  size_t j = i;
  while (j < line->size() && !IsSpace((*line)[j])) ++j;
  absl::string_view token = line->substr(i, j - i);
  line->remove_prefix(j);
  return token;
}

absl::Status ErrnoError(int err, absl::string_view what) {
  return absl::Status(absl::ErrnoToStatusCode(err), absl::StrCat(what, ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<BlacklistFile> ParseBlacklistFile(absl::string_view text,
                                                 absl::string_view name) {
  BlacklistFile file;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    absl::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == absl::string_view::npos ? text.size() : nl + 1);
    size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);

    absl::string_view rest = line;
    absl::string_view first = NextToken(&rest);
    if (first.empty()) continue;
    absl::string_view second = NextToken(&rest);
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(name, ":", line_no, ": ", why));
    };
    if (absl::EqualsIgnoreCase(first, "arp")) {
      if (second.empty() || !NextToken(&rest).empty()) {
        return bad(absl::StrCat("want 'arp IPV4', got ",
                                QuoteValue(absl::StripAsciiWhitespace(line))));
      }
      if (!IsIpv4(second)) return bad(absl::StrCat(QuoteValue(second), " is not an IPv4 address"));
      file.arp_ips.emplace_back(second);
      continue;
    }
    if (!second.empty()) {
      return bad(absl::StrCat("unexpected ", QuoteValue(second), " after ", QuoteValue(first),
                              " (want one CIDR, IP or 'arp IP' a line)"));
    }
    if (absl::Status s = CheckNewPrefix(first); !s.ok()) return bad(s.message());
    file.prefixes.emplace_back(first);
  }
  return file;
}

absl::StatusOr<std::string> ReadInput(const std::string& path, std::FILE* in) {
  bool use_stdin = path == "-";
  std::FILE* f = use_stdin ? in : std::fopen(path.c_str(), "rb");
  absl::string_view what = use_stdin ? absl::string_view("standard input") : path;
  if (f == nullptr) return ErrnoError(errno, what);
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) data.append(buf, n);
  int err = std::ferror(f) ? errno : 0;
  if (!use_stdin) std::fclose(f);
  if (err != 0) return ErrnoError(err, what);
  return data;
}

std::vector<sluice::v1::BlacklistEntries> SplitIntoChunks(BlacklistFile file,
                                                          size_t chunk_size) {
  if (chunk_size == 0) chunk_size = 1;
  std::vector<sluice::v1::BlacklistEntries> chunks(1);
  size_t in_chunk = 0;
  auto next = [&]() -> sluice::v1::BlacklistEntries& {
    if (in_chunk == chunk_size) {
      chunks.emplace_back();
      in_chunk = 0;
    }
    ++in_chunk;
    return chunks.back();
  };
  for (std::string& p : file.prefixes) next().add_prefixes(std::move(p));
  for (std::string& a : file.arp_ips) next().add_arp_ips(std::move(a));
  return chunks;
}

}  // namespace sluice::cli
