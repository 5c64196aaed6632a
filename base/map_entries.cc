#include "base/map_entries.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "base/bpf_errors.h"
#include "base/status_macros.h"

namespace sluice {
namespace {

constexpr uint32_t kBatch = 4096;
constexpr int kEnotsupp = 524;   // the kernel's ENOTSUPP, not in libc's errno.h

absl::Status ReadOneByOne(int fd, MapEntries& out) {
  std::string key(out.key_size, '\0'), next(out.key_size, '\0'), value(out.value_size, '\0');
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    if (bpf_map_lookup_elem(fd, next.data(), value.data()) == 0) {
      out.keys += next;
      out.values += value;
    }
    key = next;
    prev = key.data();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MapEntries> ReadAllEntries(int fd) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  RETURN_IF_ERROR(BpfStatus(bpf_obj_get_info_by_fd(fd, &info, &len), "reading map info"));
  MapEntries out;
  out.key_size = info.key_size;
  out.value_size = info.value_size;

  // The batch cursor is opaque: a bucket index for hashes, a key for
  // others; room for either.
  std::string cursor(std::max<uint32_t>(info.key_size, 8), '\0');
  std::string keys(size_t{kBatch} * info.key_size, '\0');
  std::string values(size_t{kBatch} * info.value_size, '\0');
  bool first = true;
  for (;;) {
    uint32_t count = kBatch;
    int err = bpf_map_lookup_batch(fd, first ? nullptr : cursor.data(), cursor.data(),
                                   keys.data(), values.data(), &count, nullptr);
    const int error = err ? errno : 0;
    if (err && first && (error == EINVAL || error == kEnotsupp || error == EOPNOTSUPP)) {
      RETURN_IF_ERROR(ReadOneByOne(fd, out));
      return out;
    }
    if (err && error != ENOENT) return BpfStatus(-error, "reading a map in batches");
    out.keys.append(keys.data(), size_t{count} * info.key_size);
    out.values.append(values.data(), size_t{count} * info.value_size);
    if (error == ENOENT) return out;   // the end of the map
    first = false;
  }
}

}  // namespace sluice
