#include "cli/blacklist_file.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(BlacklistFile, EntriesCommentsBlankLinesArp) {
  auto file = ParseBlacklistFile(
      "# bad networks\n"
      "10.0.0.0/8\n"
      "\n"
      "   \t\n"
      "  2001:db8::/32   # trailing comment\n"
      "192.0.2.1\r\n"
      "arp 192.0.2.7\n"
      "ARP\t198.51.100.1  \n"
      "#arp 192.0.2.8\n"
      "2001:db8::1",  // no final newline
      "list.txt");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->prefixes, ElementsAre("10.0.0.0/8", "2001:db8::/32", "192.0.2.1", "2001:db8::1"));
  EXPECT_THAT(file->arp_ips, ElementsAre("192.0.2.7", "198.51.100.1"));
}

TEST(BlacklistFile, Empty) {
  auto file = ParseBlacklistFile("", "x");
  ASSERT_TRUE(file.ok());
  EXPECT_THAT(file->prefixes, IsEmpty());
  auto comments = ParseBlacklistFile("# nothing\n\n", "x");
  ASSERT_TRUE(comments.ok());
  EXPECT_THAT(comments->prefixes, IsEmpty());
  EXPECT_THAT(comments->arp_ips, IsEmpty());
}

void ExpectBad(absl::string_view text, absl::string_view want) {
  auto file = ParseBlacklistFile(text, "list.txt");
  ASSERT_FALSE(file.ok()) << text;
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(file.status().message(), want);
}

TEST(BlacklistFile, BadLinesNamedByNumber) {
  ExpectBad("10.0.0.0/8\n# x\n\n10.0.0.0/33\n",
            "list.txt:4: '10.0.0.0/33': prefix length must be 0..32");
  ExpectBad("10.0.0.1/8\n", "list.txt:1: '10.0.0.1/8' has host bits set beyond /8 (the prefix is 10.0.0.0/8)");
  ExpectBad("::ffff:192.0.2.0/120\n",
            "list.txt:1: '::ffff:192.0.2.0/120' is an IPv4-mapped IPv6 prefix: use the IPv4 form 192.0.2.0/24");
  ExpectBad("10.0.0.0/08\n", "list.txt:1: '10.0.0.0/08': prefix length must be 0..32");
  ExpectBad(std::string("10.0.0.1\0junk\n", 14), "list.txt:1: '10.0.0.1\\x00junk' is not a CIDR prefix");
  ExpectBad(std::string("arp 10.0.0.1\0\n", 14), "list.txt:1: '10.0.0.1\\x00' is not an IPv4 address");
  ExpectBad(std::string(500, '1') + "\n", "list.txt:1: '" + std::string(100, '1') + "...' is not a CIDR prefix");
  ExpectBad("arp\n", "list.txt:1: want 'arp IPV4', got 'arp'");
  ExpectBad("10.0.0.0/8\narp 192.0.2.1 192.0.2.2\n",
            "list.txt:2: want 'arp IPV4', got 'arp 192.0.2.1 192.0.2.2'");
  ExpectBad("arp 2001:db8::1\n", "list.txt:1: '2001:db8::1' is not an IPv4 address");
  ExpectBad("arp 10.0.0.0/8\n", "list.txt:1: '10.0.0.0/8' is not an IPv4 address");
  ExpectBad("\n\n10.0.0.0/8 10.1.0.0/16\n",
            "list.txt:3: unexpected '10.1.0.0/16' after '10.0.0.0/8' (want one CIDR, IP or 'arp IP' a line)");
  ExpectBad("deny 10.0.0.0/8\n", "list.txt:1: unexpected '10.0.0.0/8' after 'deny' (want one CIDR, IP or 'arp IP' a line)");
}

std::string MillionLines() {
  std::string text = "# generated\n";
  text.reserve(20 << 20);
  for (int i = 0; i < 1000000; ++i) {
    if (i % 2) {
      absl::StrAppend(&text, 10 + (i >> 16) % 200, ".", (i >> 8) & 255, ".", i & 255, ".0/24\n");
    } else {
      absl::StrAppend(&text, "2001:db8:", absl::Hex(i >> 16), ":", absl::Hex(i & 0xffff), "::/64\n");
    }
  }
  return text;
}

TEST(BlacklistFile, MillionLinesQuickly) {
  std::string text = MillionLines();
  auto start = std::chrono::steady_clock::now();
  auto file = ParseBlacklistFile(text, "big");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->prefixes.size(), 1000000u);
  // Typically ~0.2 s; generous for a loaded 2-core machine and debug builds.
  EXPECT_LT(elapsed, std::chrono::seconds(5));

  auto chunks = SplitIntoChunks(*std::move(file), 10000);
  EXPECT_EQ(chunks.size(), 100u);
  EXPECT_EQ(chunks[0].prefixes_size(), 10000);
}

TEST(SplitIntoChunks, MixedAndEmpty) {
  BlacklistFile file;
  for (int i = 0; i < 5; ++i) file.prefixes.push_back(absl::StrCat("10.0.0.", i));
  for (int i = 0; i < 3; ++i) file.arp_ips.push_back(absl::StrCat("192.0.2.", i));
  auto chunks = SplitIntoChunks(file, 3);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_THAT(chunks[0].prefixes(), ElementsAre("10.0.0.0", "10.0.0.1", "10.0.0.2"));
  EXPECT_THAT(chunks[1].prefixes(), ElementsAre("10.0.0.3", "10.0.0.4"));
  EXPECT_THAT(chunks[1].arp_ips(), ElementsAre("192.0.2.0"));
  EXPECT_THAT(chunks[2].arp_ips(), ElementsAre("192.0.2.1", "192.0.2.2"));

  auto empty = SplitIntoChunks(BlacklistFile(), 10000);
  ASSERT_EQ(empty.size(), 1u);  // one empty message: "replace with nothing"
  EXPECT_EQ(empty[0].prefixes_size() + empty[0].arp_ips_size(), 0);
}

TEST(ReadInput, FileStdinAndMissing) {
  std::FILE* tmp = std::tmpfile();
  ASSERT_NE(tmp, nullptr);
  std::fputs("10.0.0.0/8\n", tmp);
  std::rewind(tmp);
  auto from_stdin = ReadInput("-", tmp);
  ASSERT_TRUE(from_stdin.ok()) << from_stdin.status();
  EXPECT_EQ(*from_stdin, "10.0.0.0/8\n");
  std::fclose(tmp);

  auto missing = ReadInput("/nonexistent/list.txt", nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/list.txt: No such file"));

  auto dir = ReadInput("/", nullptr);
  EXPECT_FALSE(dir.ok());
}

}  // namespace
}  // namespace sluice::cli
