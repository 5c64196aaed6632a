// How an error message quotes a value someone sent: between single quotes,
// at most kMaxQuotedBytes of it ("..." says the rest was cut), control and
// non-ASCII bytes escaped (C style), so a 4 MB string or an embedded NUL
// cannot make a message unreadable or lie about what was received.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace sluice {

inline constexpr size_t kMaxQuotedBytes = 100;

// "'10.0.0.1\x00junk'", "'aaaa(100 bytes)...'".
std::string QuoteValue(absl::string_view value);

// For text that is already quoted and escaped (JSON): its first
// kMaxQuotedBytes (not splitting a UTF-8 character), "..." if cut.
std::string Shorten(absl::string_view text);

}  // namespace sluice
