#include "datapath/tc/node_datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

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

// The object with its maps sized and pinned under the pin dir (reused when
// they exist), loaded with its programs or without them.
absl::StatusOr<::endpoint*> LoadObject(const NodeDatapathOptions& o, bool with_programs) {
  ::endpoint* skel = endpoint::open();
  if (!skel) return BpfStatus(-errno, "opening the node (tc) object");
  absl::Status s = PrepareMaps(skel, o);
  if (s.ok() && !with_programs) {
    bpf_program* prog;
    bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, false);
  }
  if (s.ok()) {
    s = BpfStatus(endpoint::load(skel),
                  with_programs ? std::string("loading the node (tc) programs")
                                : absl::StrCat("loading the node (tc) maps; pinned maps under ",
                                               o.pin_dir, " of another size or layout "
                                               "must be removed first"));
  }
  if (!s.ok()) {
    endpoint::destroy(skel);
    return s;
  }
  return skel;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeDatapath>> NodeDatapath::Open(
    const NodeDatapathOptions& options) {
  std::unique_ptr<NodeDatapath> dp(new NodeDatapath());
  dp->options_ = options;
  RETURN_IF_ERROR(MakeDirs(options.pin_dir));
  struct stat st;
  dp->reused_pins_ = stat((options.pin_dir + "/endpoints").c_str(), &st) == 0;
  // The maps alone first (all a restore reads); the programs then come from
  // a second object over the same pins, so their verification can run
  // while lbd restores and serves.
  ASSIGN_OR_RETURN(dp->maps_, LoadObject(options, /*with_programs=*/false));
  std::packaged_task<absl::Status()> load([d = dp.get()] {
    absl::StatusOr<::endpoint*> programs = LoadObject(d->options_, /*with_programs=*/true);
    if (!programs.ok()) return programs.status();
    d->programs_ = *programs;
    return absl::OkStatus();
  });
  dp->programs_loaded_ = load.get_future().share();
  if (options.load_programs_in_background) {
    dp->loader_ = std::thread([load = std::move(load), d = dp.get()]() mutable {
      load();
      if (absl::Status s = d->programs_loaded_.get(); !s.ok()) {
        fprintf(stderr, "lbd: %s\n", std::string(s.message()).c_str());
      }
    });
  } else {
    load();
    RETURN_IF_ERROR(dp->programs_loaded_.get());
  }
  return dp;
}

NodeDatapath::~NodeDatapath() {
  if (loader_.joinable()) loader_.join();
  // Filters stay attached: workloads keep their policy and services while
  // lbd is down or upgraded.
  if (programs_) endpoint::destroy(programs_);
  if (maps_) endpoint::destroy(maps_);
}

absl::Status NodeDatapath::Attach(int ifindex) {
  RETURN_IF_ERROR(programs_loaded_.get());
  RETURN_IF_ERROR(
      TcAttach(ifindex, kFromEndpoint, bpf_program__fd(programs_->progs.sluice_from_endpoint)));
  return TcAttach(ifindex, kToEndpoint, bpf_program__fd(programs_->progs.sluice_to_endpoint));
}

absl::Status NodeDatapath::Detach(int ifindex) {
  RETURN_IF_ERROR(TcDetach(ifindex, kFromEndpoint));
  return TcDetach(ifindex, kToEndpoint);
}

int NodeDatapath::endpoints_fd() const { return bpf_map__fd(maps_->maps.endpoints); }
int NodeDatapath::services_fd() const { return bpf_map__fd(maps_->maps.services); }
int NodeDatapath::svc_rings_fd() const { return bpf_map__fd(maps_->maps.svc_rings); }
int NodeDatapath::svc_backends_fd() const { return bpf_map__fd(maps_->maps.svc_backends); }
int NodeDatapath::svc_members_fd() const { return bpf_map__fd(maps_->maps.svc_members); }
int NodeDatapath::conntrack_fd() const { return bpf_map__fd(maps_->maps.conntrack); }
int NodeDatapath::policy_fd() const { return bpf_map__fd(maps_->maps.policy); }
int NodeDatapath::policy_rule_specs_fd() const { return bpf_map__fd(maps_->maps.rule_specs); }
int NodeDatapath::policy_rule_counters_fd() const {
  return bpf_map__fd(maps_->maps.rule_counters);
}
int NodeDatapath::counters_fd() const { return bpf_map__fd(maps_->maps.node_counters); }
int NodeDatapath::drop_counters_fd() const { return bpf_map__fd(maps_->maps.node_drops); }
int NodeDatapath::verdict_counters_fd() const { return bpf_map__fd(maps_->maps.node_verdicts); }
int NodeDatapath::events_fd() const { return bpf_map__fd(maps_->maps.events); }
int NodeDatapath::config_fd() const { return bpf_map__fd(maps_->maps.node_config); }

}  // namespace sluice
