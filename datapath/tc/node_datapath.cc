#include "datapath/tc/node_datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/map_setup.h"
#include "base/status_macros.h"
#include "base/tc_attach.h"
#include "endpoint.skel.h"
#include "sluice/shared.h"

namespace sluice {
namespace {

// Our filters' places on the endpoint veth's hooks (the decap program uses
// handle 0x5c1ce on real servers' ingress).
constexpr TcFilterPlace kFromEndpoint{BPF_TC_INGRESS, 0x5c1cf, 1};
constexpr TcFilterPlace kToEndpoint{BPF_TC_EGRESS, 0x5c1cf, 1};

absl::Status MakeDirs(const std::string& path) {
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    std::string dir = path.substr(0, pos);
    if (mkdir(dir.c_str(), 0700) && errno != EEXIST) {
      return absl::ErrnoToStatus(errno, absl::StrCat("creating pin dir ", dir));
    }
  }
  return absl::OkStatus();
}

absl::Status PrepareMaps(::endpoint* skel, const NodeDatapathOptions& o) {
  RETURN_IF_ERROR(SizeMaps(EndpointMapSizesOf(skel, o), o.pin_dir));
  return PinMapsUnder(skel->obj, o.pin_dir);
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeDatapath>> NodeDatapath::Open(
    const NodeDatapathOptions& options) {
  std::unique_ptr<NodeDatapath> dp(new NodeDatapath());
  dp->options_ = options;
  RETURN_IF_ERROR(MakeDirs(options.pin_dir));
  struct stat st;
  dp->reused_pins_ = stat((options.pin_dir + "/endpoints").c_str(), &st) == 0;
  dp->skel_ = endpoint::open();
  if (!dp->skel_) return BpfStatus(-errno, "opening the node (tc) object");
  RETURN_IF_ERROR(PrepareMaps(dp->skel_, options));
  RETURN_IF_ERROR(BpfStatus(endpoint::load(dp->skel_),
                            absl::StrCat("loading the node (tc) programs; pinned maps under ",
                                         options.pin_dir, " of another size or layout "
                                         "must be removed first")));
  return dp;
}

NodeDatapath::~NodeDatapath() {
  // Filters stay attached: workloads keep their policy and services while
  // lbd is down or upgraded.
  if (skel_) endpoint::destroy(skel_);
}

absl::Status NodeDatapath::Attach(int ifindex) {
  RETURN_IF_ERROR(
      TcAttach(ifindex, kFromEndpoint, bpf_program__fd(skel_->progs.sluice_from_endpoint)));
  return TcAttach(ifindex, kToEndpoint, bpf_program__fd(skel_->progs.sluice_to_endpoint));
}

absl::Status NodeDatapath::Detach(int ifindex) {
  RETURN_IF_ERROR(TcDetach(ifindex, kFromEndpoint));
  return TcDetach(ifindex, kToEndpoint);
}

int NodeDatapath::endpoints_fd() const { return bpf_map__fd(skel_->maps.endpoints); }
int NodeDatapath::services_fd() const { return bpf_map__fd(skel_->maps.services); }
int NodeDatapath::svc_rings_fd() const { return bpf_map__fd(skel_->maps.svc_rings); }
int NodeDatapath::svc_backends_fd() const { return bpf_map__fd(skel_->maps.svc_backends); }
int NodeDatapath::svc_members_fd() const { return bpf_map__fd(skel_->maps.svc_members); }
int NodeDatapath::conntrack_fd() const { return bpf_map__fd(skel_->maps.conntrack); }
int NodeDatapath::policy_fd() const { return bpf_map__fd(skel_->maps.policy); }
int NodeDatapath::policy_rule_specs_fd() const { return bpf_map__fd(skel_->maps.rule_specs); }
int NodeDatapath::policy_rule_counters_fd() const {
  return bpf_map__fd(skel_->maps.rule_counters);
}
int NodeDatapath::counters_fd() const { return bpf_map__fd(skel_->maps.node_counters); }
int NodeDatapath::drop_counters_fd() const { return bpf_map__fd(skel_->maps.node_drops); }
int NodeDatapath::verdict_counters_fd() const { return bpf_map__fd(skel_->maps.node_verdicts); }
int NodeDatapath::events_fd() const { return bpf_map__fd(skel_->maps.events); }
int NodeDatapath::config_fd() const { return bpf_map__fd(skel_->maps.node_config); }

}  // namespace sluice
