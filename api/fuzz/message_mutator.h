// Seeded, schema-generic mutation of protobuf requests (reflection only, no
// knowledge of the API): a few edits per call, each on a field chosen at any
// depth, set or not. Values come from tables of the kinds that break
// validators: boundary numbers, unknown enum values, missing sub-messages,
// empty and huge repeated fields, and strings that look like addresses,
// prefixes and names but are not quite (NUL bytes, unicode, host bits,
// IPv4-mapped IPv6, very long). Strings are valid UTF-8, as proto3 `string`
// fields must be: gRPC's parser refuses anything else before lbd sees it
// (with INTERNAL; docs/testing-fuzz.md). The same seed gives the same sequence.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace sluice::api::testing {

class MessageMutator {
 public:
  // `words` are strings the API knows (addresses of existing objects,
  // interface names): picked often so that requests reach existing state.
  MessageMutator(uint64_t seed, std::vector<std::string> words);

  // 0 to 3 edits of `message` (0: it is sent as it is).
  void Mutate(google::protobuf::Message* message);

  std::mt19937_64& rng() { return rng_; }
  bool OneIn(uint32_t n) { return rng_() % n == 0; }

 private:
  void MutateOne(google::protobuf::Message* message, int depth);
  void MutateRepeated(google::protobuf::Message* message,
                      const google::protobuf::FieldDescriptor* field, int depth);
  // Sets a singular field, or appends to a repeated one when `add`.
  void SetScalar(google::protobuf::Message* message,
                 const google::protobuf::FieldDescriptor* field, bool add);
  std::string String();
  std::string RandomText();
  uint32_t Uint32();
  int EnumNumber(const google::protobuf::EnumDescriptor* type);
  template <typename T>
  const T& Pick(const std::vector<T>& values) {
    return values[rng_() % values.size()];
  }

  std::mt19937_64 rng_;
  std::vector<std::string> words_;
};

}  // namespace sluice::api::testing
