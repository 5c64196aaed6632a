#include "base/tc_attach.h"

#include <net/if.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"

namespace sluice {
namespace {

std::string Describe(int ifindex, const TcFilterPlace& place) {
  char name[IF_NAMESIZE] = {};
  const char* iface = if_indextoname(ifindex, name) ? name : "?";
  return absl::StrCat(place.hook == BPF_TC_INGRESS ? "tc ingress" : "tc egress", " of ",
                      iface, " (ifindex ", ifindex, ")");
}

}  // namespace

absl::Status TcAttach(int ifindex, const TcFilterPlace& place, int prog_fd) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = place.hook);
  int err = bpf_tc_hook_create(&hook);
  if (err && err != -EEXIST) {
    return BpfStatus(err, absl::StrCat("creating the clsact qdisc for ", Describe(ifindex, place)));
  }
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE,
              .handle = place.handle, .priority = place.priority);
  return BpfStatus(bpf_tc_attach(&hook, &opts),
                   absl::StrCat("attaching to ", Describe(ifindex, place)));
}

absl::Status TcDetach(int ifindex, const TcFilterPlace& place) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = place.hook);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = place.handle, .priority = place.priority);
  int err = bpf_tc_detach(&hook, &opts);
  if (err == -ENOENT || err == -ENODEV || err == -EINVAL) return absl::OkStatus();
  return BpfStatus(err, absl::StrCat("detaching from ", Describe(ifindex, place)));
}

}  // namespace sluice
