#include "base/quote_value.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sluice {

std::string QuoteValue(absl::string_view value) {
  bool cut = value.size() > kMaxQuotedBytes;
  return absl::StrCat("'", absl::CHexEscape(value.substr(0, kMaxQuotedBytes)), cut ? "..." : "",
                      "'");
}

std::string Shorten(absl::string_view text) {
  if (text.size() <= kMaxQuotedBytes) return std::string(text);
  size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return absl::StrCat(text.substr(0, cut), "...");
}

}  // namespace sluice
