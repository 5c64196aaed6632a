#include "decap/decap.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/bpf_errors.h"
#include "base/map_setup.h"
#include "base/status_macros.h"
#include "base/tc_attach.h"
#include "datapath/tc/decap_maps.h"
#include "decap.skel.h"
#include "sluice/shared.h"

namespace sluice::decap {
namespace {

// Our filter's place on the ingress hook; re-attaching replaces it, so a
// restarted lbd neither duplicates it nor disturbs anyone else's filters.
constexpr TcFilterPlace kDecapPlace{BPF_TC_INGRESS, 0x5c1ce, 1};

}  // namespace

absl::StatusOr<std::unique_ptr<Decap>> Decap::Attach(const std::vector<std::string>& ifaces,
                                                     const std::string& pin_dir) {
  std::unique_ptr<Decap> d(new Decap());
  d->skel_ = ::decap::open();
  if (!d->skel_) return BpfStatus(-errno, "opening the decap object");
  if (mkdir(pin_dir.c_str(), 0700) && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, absl::StrCat("creating pin dir ", pin_dir));
  }
  RETURN_IF_ERROR(PinMapsUnder(d->skel_->obj, pin_dir));
  RETURN_IF_ERROR(BpfStatus(::decap::load(d->skel_), "loading the decap program"));
  RETURN_IF_ERROR(d->RefreshLocalAddresses());
  for (const std::string& iface : ifaces) {
    int ifindex = if_nametoindex(iface.c_str());
    if (!ifindex) return absl::NotFoundError(absl::StrCat("interface ", iface, " not found"));
    RETURN_IF_ERROR(TcAttach(ifindex, kDecapPlace, bpf_program__fd(d->skel_->progs.sluice_decap)));
  }
  return d;
}

absl::Status Decap::RefreshLocalAddresses() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list)) return absl::ErrnoToStatus(errno, "listing local addresses");
  std::set<std::string> wanted;   // raw sluice_vip_key bytes
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr) continue;
    IpAddress address;
    if (a->ifa_addr->sa_family == AF_INET) {
      address.family = AF_INET;
      std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      address.family = AF_INET6;
      std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr,
                  16);
    } else {
      continue;
    }
    const sluice_vip_key k = DecapAddressKey(address);
    wanted.emplace(reinterpret_cast<const char*>(&k), sizeof(k));
  }
  freeifaddrs(list);

  int fd = bpf_map__fd(skel_->maps.decap_addrs);
  sluice_vip_key key{}, next{};
  std::vector<sluice_vip_key> stale;
  const sluice_vip_key* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (!wanted.count(std::string(reinterpret_cast<const char*>(&next), sizeof(next)))) {
      stale.push_back(next);
    }
    key = next;
    prev = &key;
  }
  for (const auto& k : stale) bpf_map_delete_elem(fd, &k);
  for (const std::string& k : wanted) {
    RETURN_IF_ERROR(BpfStatus(bpf_map_update_elem(fd, k.data(), &kLocalAddress, BPF_ANY),
                              "writing decap addresses"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, sluice_counter>> Decap::ReadCounters() const {
  return ReadDecapCounters(bpf_map__fd(skel_->maps.decap_counters));
}

Decap::~Decap() {
  // The tc filter stays attached: real servers keep decapsulating while lbd
  // is down or upgraded.
  if (skel_) ::decap::destroy(skel_);
}

}  // namespace sluice::decap
