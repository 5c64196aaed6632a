#include "lbd/lbd_flags.h"

#include <getopt.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/quote_value.h"
#include "base/status_macros.h"

namespace sluice::lbd {
namespace {

constexpr char kUsage[] = R"(usage: lbd [flags]
  --iface IF              XDP load balancer on IF (repeatable)
  --decap-iface IF        real-server role: decapsulate on IF's ingress (repeatable)
  --listen ADDR           gRPC: unix:PATH (default unix:/run/sluice/lbd.sock) or HOST:PORT (TLS)
  --tls-cert FILE --tls-key FILE   certificate for a HOST:PORT --listen
  --tls-client-ca FILE    HOST:PORT --listen: only clients with a certificate signed by
                          this CA may connect (mutual TLS)
  --insecure-no-client-auth   HOST:PORT --listen without --tls-client-ca: any client
                          that reaches the port may change the configuration
  --metrics HOST:PORT     Prometheus text format at /metrics
  --pin-dir DIR           bpffs directory of the pinned maps (default /sys/fs/bpf/sluice)
  --xdp-mode MODE         native | generic | auto (default auto: native, else generic)
  --hash-seed N           Maglev/flow hash seed; the same on every LB instance
  --encap-src-v4 CIDR     outer IPv4 source prefix (default 172.16.0.0/16)
  --encap-src-v6 CIDR     outer IPv6 source prefix (default fd00:5c1c::/96)
  --max-vips N  --max-backends N  --ring-pool-entries N  --conntrack-entries N
  --max-prefixes N        blacklist prefixes per family
  --node-conntrack-entries N   connection table of the node (tc) datapath (default 262144)
  --ct-gc-interval S      seconds between sweeps of the node's connection table (default 10)
  --ct-timeout-tcp S      idle timeout of an established TCP connection (default 21600)
  --ct-timeout-udp S      idle timeout of a UDP flow (default 60)
  --host-routing MODE     endpoint to endpoint on this node: bpf (default: the sender's
                          program hands an IPv4 packet over; no host IP layer or netfilter)
                          or kernel (every packet through the host's IP layer)
)";

enum Opt {
  kIface = 1000, kDecap, kListen, kTlsCert, kTlsKey, kTlsClientCa, kNoClientAuth, kMetrics,
  kPinDir, kXdpMode, kSeed,
  kEncap4, kEncap6, kMaxVips, kMaxBackends, kRingPool, kConntrack, kMaxPrefixes, kNodeConntrack, kCtGc, kCtTcp, kCtUdp, kHostRouting, kHelp,
};

absl::Status ParseUint(const char* flag, const char* text, uint32_t* out) {
  if (!absl::SimpleAtoi(text, out) || *out == 0) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", QuoteValue(text),
                                                   " is not a positive number"));
  }
  return absl::OkStatus();
}

absl::Status ParseSeconds(const char* flag, const char* text, uint64_t* out_ns) {
  uint32_t seconds;
  RETURN_IF_ERROR(ParseUint(flag, text, &seconds));
  *out_ns = uint64_t{seconds} * 1'000'000'000;
  return absl::OkStatus();
}

absl::Status ParsePrefix(const char* flag, const char* text, int family, IpPrefix* out) {
  auto p = ParseIpPrefix(text);
  if (!p.ok()) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", p.status().message()));
  if (p->address.family != family) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", QuoteValue(text), " is not an ",
                                                   family == AF_INET ? "IPv4" : "IPv6", " CIDR"));
  }
  *out = *p;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LbdFlags> ParseLbdFlags(int argc, char** argv) {
  static const option kOptions[] = {
      {"iface", required_argument, nullptr, kIface},
      {"decap-iface", required_argument, nullptr, kDecap},
      {"listen", required_argument, nullptr, kListen},
      {"tls-cert", required_argument, nullptr, kTlsCert},
      {"tls-key", required_argument, nullptr, kTlsKey},
      {"tls-client-ca", required_argument, nullptr, kTlsClientCa},
      {"insecure-no-client-auth", no_argument, nullptr, kNoClientAuth},
      {"metrics", required_argument, nullptr, kMetrics},
      {"pin-dir", required_argument, nullptr, kPinDir},
      {"xdp-mode", required_argument, nullptr, kXdpMode},
      {"hash-seed", required_argument, nullptr, kSeed},
      {"encap-src-v4", required_argument, nullptr, kEncap4},
      {"encap-src-v6", required_argument, nullptr, kEncap6},
      {"max-vips", required_argument, nullptr, kMaxVips},
      {"max-backends", required_argument, nullptr, kMaxBackends},
      {"ring-pool-entries", required_argument, nullptr, kRingPool},
      {"conntrack-entries", required_argument, nullptr, kConntrack},
      {"max-prefixes", required_argument, nullptr, kMaxPrefixes},
      {"node-conntrack-entries", required_argument, nullptr, kNodeConntrack},
      {"ct-gc-interval", required_argument, nullptr, kCtGc},
      {"ct-timeout-tcp", required_argument, nullptr, kCtTcp},
      {"ct-timeout-udp", required_argument, nullptr, kCtUdp},
      {"host-routing", required_argument, nullptr, kHostRouting},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0},
  };
  LbdFlags f;
  f.lb.encap_src_v4 = *ParseIpPrefix("172.16.0.0/16");
  f.lb.encap_src_v6 = *ParseIpPrefix("fd00:5c1c::/96");
  optind = 1;
  opterr = 0;
  int c;
  absl::Status s;
  while ((c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1) {
    switch (c) {
      case kIface: f.datapath.ifaces.push_back(optarg); break;
      case kDecap: f.decap_ifaces.push_back(optarg); break;
      case kListen: f.listen = optarg; break;
      case kTlsCert: f.tls_cert = optarg; break;
      case kTlsKey: f.tls_key = optarg; break;
      case kTlsClientCa: f.tls_client_ca = optarg; break;
      case kNoClientAuth: f.insecure_no_client_auth = true; break;
      case kMetrics: f.metrics = optarg; break;
      case kPinDir: f.datapath.pin_dir = optarg; break;
      case kXdpMode: {
        std::string m = optarg;
        if (m == "native") f.datapath.mode = XdpMode::kNative;
        else if (m == "generic") f.datapath.mode = XdpMode::kGeneric;
        else if (m == "auto") f.datapath.mode = XdpMode::kAuto;
        else return absl::InvalidArgumentError(
            absl::StrCat("--xdp-mode: ", QuoteValue(m), " is not native, generic or auto"));
        break;
      }
      case kSeed:
        if (!absl::SimpleAtoi(optarg, &f.lb.hash_seed)) {
          return absl::InvalidArgumentError(absl::StrCat("--hash-seed: ", QuoteValue(optarg), " is not a number"));
        }
        break;
      case kEncap4: s = ParsePrefix("encap-src-v4", optarg, AF_INET, &f.lb.encap_src_v4); break;
      case kEncap6: s = ParsePrefix("encap-src-v6", optarg, AF_INET6, &f.lb.encap_src_v6); break;
      case kMaxVips: s = ParseUint("max-vips", optarg, &f.datapath.max_vips); break;
      case kMaxBackends: s = ParseUint("max-backends", optarg, &f.datapath.max_backends); break;
      case kRingPool: s = ParseUint("ring-pool-entries", optarg, &f.datapath.ring_pool_entries); break;
      case kConntrack: s = ParseUint("conntrack-entries", optarg, &f.datapath.conntrack_entries); break;
      case kMaxPrefixes: s = ParseUint("max-prefixes", optarg, &f.datapath.max_prefixes); break;
      case kNodeConntrack:
        s = ParseUint("node-conntrack-entries", optarg, &f.node.conntrack_entries);
        break;
      case kCtGc: s = ParseUint("ct-gc-interval", optarg, &f.ct_gc_interval_s); break;
      case kCtTcp: s = ParseSeconds("ct-timeout-tcp", optarg, &f.ct_timeouts.tcp_established_ns); break;
      case kCtUdp: s = ParseSeconds("ct-timeout-udp", optarg, &f.ct_timeouts.udp_ns); break;
      case kHostRouting: {
        std::string m = optarg;
        if (m == "bpf") f.host_routing = node::HostRouting::kBpf;
        else if (m == "kernel") f.host_routing = node::HostRouting::kKernel;
        else return absl::InvalidArgumentError(
            absl::StrCat("--host-routing: ", QuoteValue(m), " is not bpf or kernel"));
        break;
      }
      case kHelp: return absl::CancelledError(kUsage);
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("unknown or incomplete flag ", QuoteValue(argv[optind - 1]), " (see --help)"));
    }
    if (!s.ok()) return s;
  }
  f.node.pin_dir = f.datapath.pin_dir + "/node";
  if (optind < argc) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument ", QuoteValue(argv[optind])));
  }
  bool tcp = f.listen.rfind("unix:", 0) != 0;
  if (tcp && (f.tls_cert.empty() || f.tls_key.empty())) {
    return absl::InvalidArgumentError(
        "--listen HOST:PORT serves over TLS only: give --tls-cert and --tls-key");
  }
  if (!tcp && (!f.tls_client_ca.empty() || f.insecure_no_client_auth)) {
    return absl::InvalidArgumentError(
        "--tls-client-ca and --insecure-no-client-auth apply to a HOST:PORT --listen only");
  }
  if (tcp && !f.tls_client_ca.empty() && f.insecure_no_client_auth) {
    return absl::InvalidArgumentError(
        "--tls-client-ca and --insecure-no-client-auth contradict each other: give one");
  }
  if (tcp && f.tls_client_ca.empty() && !f.insecure_no_client_auth) {
    return absl::InvalidArgumentError(
        "--listen HOST:PORT lets whoever connects change the configuration: give "
        "--tls-client-ca FILE (clients need a certificate signed by it) or, knowingly, "
        "--insecure-no-client-auth");
  }
  return f;
}

}  // namespace sluice::lbd
