#include "api/fuzz/message_mutator.h"

#include <climits>

#include "absl/strings/str_cat.h"

namespace sluice::api::testing {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxDepth = 4;
constexpr int kHugeRepeated = 2000;
// Above lbd's 4 MiB message limit gRPC refuses a request before lbd sees it:
// huge repeated fields stop growing here.
constexpr size_t kMaxMessageBytes = 2 << 20;

std::string Bytes(const char* text, size_t n) { return std::string(text, n); }

// Text that looks like what the API takes, and is not, or is at an edge.
const std::vector<std::string>& Junk() {
  static const auto* junk = new std::vector<std::string>{
      "", " ", "\t", "0", "-1", "x", "*", "/", "//", ":", "::", ":::", "[]", "%", "\n",
      // IPv4-looking
      "10.0.0", "10.0.0.1.", "10.0.0.1.1", "10.0.0.256", "256.0.0.1", "010.0.0.1",
      "0x0a.0.0.1", "10.0.0.-1", "1e1.0.0.1", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1\n",
      "10.0.0.1:80", "10.0.0.1/", "10.0.0.1/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08",
      "10.0.0.0/ 8", "10.0.0.0/8/8", "10.0.0.0/4294967304", "10.0.0.1/8", "10.255.255.255/8",
      "0.0.0.0", "0.0.0.0/0", "0.0.0.1/0", "255.255.255.255", "255.255.255.255/32",
      "224.0.0.1", "239.255.255.255", "127.0.0.1", "169.254.1.1", "100.64.0.1",
      // IPv6-looking
      "::", "::/0", "::1", "::1/128", "ff02::1", "fe80::1", "fe80::1%fz0", "fe80::1%lo",
      "2001:db8::", "2001:db8:::1", "2001:db8::1::1", "2001:db8::g", "[2001:db8::1]",
      "[2001:db8::1]:80", "2001:db8::/129", "2001:db8::/-1", "2001:db8::1/32",
      "2001:0db8:0000:0000:0000:0000:0000:0001", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::", "::1.2.3.4", "::ffff:10.0.0.1", "::ffff:10.0.0.0/104",
      "::ffff:0.0.0.0/96", "::ffff:10.1.0.1", "::ffff:a00:1", "64:ff9b::10.0.0.1",
      "2001:DB8::1", "fd00:5c1c::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      // names and interfaces
      "lo", "eth0", "fz0p", "nonexistent0", "fz0 ", "fz0\n", "fz0/../fz1", "a.b-c_d",
      "..", ".", "-", "ep 0", "ep/0", "ep:0", std::string(15, 'i'), std::string(16, 'i'),
      std::string(47, 'n'), std::string(48, 'n'),
      // bytes and unicode
      Bytes("\0", 1), Bytes("10.0.0.1\0", 9), Bytes("10.0.0.0/8\0junk", 15),
      Bytes("fz0\0junk", 8), Bytes("ep0\0", 4), "\x7f", "\x1b[31m", "\xef\xbf\xbd", "é", "ep-é", "１０.０.０.１", "10.0.0.１", "٠١٢", "💥", "\u202e10.0.0.1",
      "10.0.0.1\u200b",
  };
  return *junk;
}

const std::vector<uint32_t>& Numbers() {
  static const auto* numbers = new std::vector<uint32_t>{
      0, 1, 2, 3, 7, 13, 53, 80, 100, 101, 251, 255, 256, 257, 443, 1023, 1024, 4093, 8191,
      32767, 32768, 65521, 65535, 65536, 65537, 65539, 100000, 131071, 131072, 262147, 1000003,
      1u << 24, INT32_MAX, 1u << 31, UINT32_MAX - 1, UINT32_MAX};
  return *numbers;
}

// Code point `c` as UTF-8; surrogates (not characters) become U+FFFD.
void AppendUtf8(uint32_t c, std::string* out) {
  if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
  if (c < 0x80) {
    *out += static_cast<char>(c);
  } else if (c < 0x800) {
    *out += static_cast<char>(0xc0 | c >> 6);
    *out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    *out += static_cast<char>(0xe0 | c >> 12);
    *out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    *out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    *out += static_cast<char>(0xf0 | c >> 18);
    *out += static_cast<char>(0x80 | (c >> 12 & 0x3f));
    *out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    *out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

}  // namespace

MessageMutator::MessageMutator(uint64_t seed, std::vector<std::string> words)
    : rng_(seed), words_(std::move(words)) {}

void MessageMutator::Mutate(Message* message) {
  static const int kEdits[] = {0, 1, 1, 1, 2, 2, 3};
  int edits = kEdits[rng_() % 7];
  for (int i = 0; i < edits; ++i) MutateOne(message, 0);
  // Fields this lbd does not know: must be ignored.
  if (OneIn(30)) message->GetReflection()->MutableUnknownFields(message)->AddVarint(999, rng_());
}

void MessageMutator::MutateOne(Message* message, int depth) {
  const auto* type = message->GetDescriptor();
  if (type->field_count() == 0) return;
  const FieldDescriptor* field = type->field(rng_() % type->field_count());
  const Reflection* r = message->GetReflection();
  if (field->is_repeated()) return MutateRepeated(message, field, depth);
  if (OneIn(6)) return r->ClearField(message, field);   // missing (or absent optional)
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (depth < kMaxDepth) MutateOne(r->MutableMessage(message, field), depth + 1);
    return;
  }
  SetScalar(message, field, false);
}

void MessageMutator::MutateRepeated(Message* message, const FieldDescriptor* field, int depth) {
  const Reflection* r = message->GetReflection();
  bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
  int size = r->FieldSize(*message, field);
  switch (rng_() % 5) {
    case 0: r->ClearField(message, field); return;
    case 1: {  // huge: many copies of one value, or many values
      int n = OneIn(4) ? kHugeRepeated : 1 + rng_() % 200;
      for (int i = 0; i < n; ++i) {
        if (i % 100 == 99 && message->ByteSizeLong() > kMaxMessageBytes) return;
        if (is_message) {
          Message* m = r->AddMessage(message, field);
          if (size > 0) m->CopyFrom(r->GetRepeatedMessage(*message, field, rng_() % size));
          if (OneIn(4) && depth < kMaxDepth) MutateOne(m, depth + 1);
        } else {
          SetScalar(message, field, true);
        }
      }
      return;
    }
    case 2:
      if (is_message) {
        Message* m = r->AddMessage(message, field);
        if (size > 0) m->CopyFrom(r->GetRepeatedMessage(*message, field, rng_() % size));
        if (depth < kMaxDepth) MutateOne(m, depth + 1);
      } else {
        SetScalar(message, field, true);
      }
      return;
    default:  // edit one element
      if (size == 0) return MutateRepeated(message, field, depth);
      if (is_message) {
        if (depth < kMaxDepth) {
          MutateOne(r->MutableRepeatedMessage(message, field, rng_() % size), depth + 1);
        }
        return;
      }
      SetScalar(message, field, true);
      r->SwapElements(message, field, rng_() % size, size);
      r->RemoveLast(message, field);
  }
}

void MessageMutator::SetScalar(Message* message, const FieldDescriptor* field, bool add) {
  const Reflection* r = message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      add ? r->AddString(message, field, String()) : r->SetString(message, field, String());
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      add ? r->AddUInt32(message, field, Uint32()) : r->SetUInt32(message, field, Uint32());
      return;
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = static_cast<int32_t>(Uint32());
      add ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = OneIn(2) ? UINT64_MAX : uint64_t{Uint32()};
      add ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = OneIn(2) ? INT64_MIN : int64_t{Uint32()};
      add ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      add ? r->AddBool(message, field, OneIn(2)) : r->SetBool(message, field, OneIn(2));
      return;
    case FieldDescriptor::CPPTYPE_ENUM: {
      int v = EnumNumber(field->enum_type());
      add ? r->AddEnumValue(message, field, v) : r->SetEnumValue(message, field, v);
      return;
    }
    default: return;   // no float, double or message scalars in requests
  }
}

std::string MessageMutator::String() {
  switch (rng_() % 20) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: return Pick(words_);
    case 8: case 9: case 10: case 11: case 12: return Pick(Junk());
    case 13: case 14: {  // a known word, slightly wrong
      std::string w = Pick(words_);
      size_t at = w.empty() ? 0 : rng_() % w.size();
      switch (rng_() % 6) {
        case 0: return w.insert(at, 1, '\0');
        case 1: return w + " ";
        case 2: return absl::StrCat(w, "/", rng_() % 130);
        case 3: if (!w.empty()) w[at] = static_cast<char>(rng_() % 0x80); return w;
        case 4: return w.substr(0, at);   // the words are ASCII: no character is cut
        default: return w + w;
      }
    }
    case 15: case 16: return RandomText();
    case 17: {  // long
      static const size_t kLengths[] = {100, 255, 256, 4096, 65536};
      if (OneIn(50)) return std::string(1 << 20, '1');   // 1 MiB
      return std::string(kLengths[rng_() % 5], OneIn(2) ? 'x' : '1');
    }
    case 18: {  // long but address-like
      std::string s;
      for (int i = 0; i < 1000; ++i) s += "1:";
      return s + "1";
    }
    default: return "";
  }
}

std::string MessageMutator::RandomText() {
  std::string s;
  for (int n = rng_() % 40; n > 0; --n) {
    switch (rng_() % 3) {
      case 0: s += static_cast<char>(rng_() % 0x80); break;   // ASCII, NUL and controls too
      case 1: s += Pick(std::vector<std::string>{".", ":", "/", "0", "f", "%"}); break;
      default: AppendUtf8(static_cast<uint32_t>(0x80 + rng_() % 0x10ff80), &s); break;
    }
  }
  return s;
}

uint32_t MessageMutator::Uint32() {
  if (OneIn(5)) return static_cast<uint32_t>(rng_());
  uint32_t v = Pick(Numbers());
  return OneIn(4) ? v - 1 : v;
}

int MessageMutator::EnumNumber(const google::protobuf::EnumDescriptor* type) {
  if (!OneIn(4)) return type->value(rng_() % type->value_count())->number();
  static const int kUnknown[] = {-1, 3, 4, 7, 99, INT_MAX, INT_MIN};
  return kUnknown[rng_() % 7];
}

}  // namespace sluice::api::testing
