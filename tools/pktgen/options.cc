#include "tools/pktgen/options.h"

#include <getopt.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sluice::pktgen {
namespace {

constexpr char kUsage[] = R"(usage: pktgen --iface IF --dst IP [flags]
Sends a template frame out of IF at full speed (or --rate) with BPF_PROG_RUN
in live-frames mode, or through an AF_PACKET TX ring where the kernel refuses
that; needs root. In live-frames mode on a veth, the peer end must have an XDP
program attached (docs/pktgen.md).
  --iface IF             interface to send on (required)
  --dst IP               destination address, IPv4 or IPv6 (required)
  --src IP               source address (default: IF's first address of --dst's family)
  --dst-mac MAC          default ff:ff:ff:ff:ff:ff
  --src-mac MAC          default: IF's MAC
  --proto udp|tcp        tcp sends SYN segments (default udp)
  --sport N --dport N    ports (default 10000, 9000)
  --flows N              vary the source port over N values: sport .. sport+N-1 (default 1)
  --vary src-port|src-ip what --flows varies; src-ip counts up the address's last 32 bits
  --size BYTES           frame size without FCS, at least 64 (default 64)
  --rate PPS             packets per second over all threads; 0 = unlimited (default)
  --count N              stop after N packets
  --duration SECONDS     stop after SECONDS (with --count: whichever comes first;
                         neither: run until SIGINT/SIGTERM)
  --threads N            sending threads, each pinned to its own CPU (default 1)
  --cpu LIST             CPUs for the threads, e.g. 0,1 or 0-3 (default: the first allowed)
  --progress             print packets/s every second on stderr
  --mode auto|live|afpacket
                         how to send: live = BPF_PROG_RUN live frames, afpacket =
                         AF_PACKET TX ring with PACKET_QDISC_BYPASS; auto (default)
                         = live where the kernel allows it, else afpacket
)";

enum Opt {
  kIface = 1000, kDst, kSrc, kDstMac, kSrcMac, kProto, kSport, kDport, kFlows, kVary,
  kSize, kRate, kCount, kDuration, kThreads, kCpu, kProgress, kMode, kHelp,
};

absl::Status BadValue(const char* flag, const char* text, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": '", text, "' is not ", expected));
}

template <typename T>
absl::Status ParseNumber(const char* flag, const char* text, T min, T max, T* out) {
  uint64_t v;
  if (!absl::SimpleAtoi(text, &v) || v < static_cast<uint64_t>(min) ||
      v > static_cast<uint64_t>(max)) {
    return BadValue(flag, text, absl::StrCat("a number from ", min, " to ", max));
  }
  *out = static_cast<T>(v);
  return absl::OkStatus();
}

absl::Status ParseAddress(const char* flag, const char* text, IpAddress* out) {
  auto ip = IpAddress::Parse(text);
  if (!ip.ok()) return BadValue(flag, text, "an IPv4 or IPv6 address");
  *out = *ip;
  return absl::OkStatus();
}

absl::Status ParseMac(const char* flag, const char* text, MacAddr* out) {
  unsigned int b[6];
  char tail;
  if (std::sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                  &b[5], &tail) != 6) {
    return BadValue(flag, text, "a MAC address like 02:00:00:00:00:01");
  }
  for (int i = 0; i < 6; ++i) out->bytes[i] = static_cast<uint8_t>(b[i]);
  return absl::OkStatus();
}

absl::Status ParseDuration(const char* text, double* out) {
  if (!absl::SimpleAtod(text, out) || !std::isfinite(*out) || *out <= 0) {
    return BadValue("duration", text, "a positive number of seconds");
  }
  return absl::OkStatus();
}

// "0,2" or "0-3" or a mix; each CPU once.
absl::Status ParseCpuList(const char* text, std::vector<int>* out) {
  constexpr int kMaxCpu = 4095;
  out->clear();
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    std::pair<absl::string_view, absl::string_view> range =
        absl::StrSplit(part, absl::MaxSplits('-', 1));
    int first, last;
    if (!absl::SimpleAtoi(range.first, &first) ||
        !absl::SimpleAtoi(range.second.empty() ? range.first : range.second, &last) ||
        first < 0 || last < first || last > kMaxCpu) {
      return BadValue("cpu", text, "a CPU list like 0,1 or 0-3");
    }
    for (int cpu = first; cpu <= last; ++cpu) {
      for (int seen : *out) {
        if (seen == cpu) return BadValue("cpu", text, "a list naming each CPU once");
      }
      out->push_back(cpu);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PktgenOptions> ParsePktgenOptions(int argc, char** argv) {
  static const option kOptions[] = {
      {"iface", required_argument, nullptr, kIface},
      {"dst", required_argument, nullptr, kDst},
      {"src", required_argument, nullptr, kSrc},
      {"dst-mac", required_argument, nullptr, kDstMac},
      {"src-mac", required_argument, nullptr, kSrcMac},
      {"proto", required_argument, nullptr, kProto},
      {"sport", required_argument, nullptr, kSport},
      {"dport", required_argument, nullptr, kDport},
      {"flows", required_argument, nullptr, kFlows},
      {"vary", required_argument, nullptr, kVary},
      {"size", required_argument, nullptr, kSize},
      {"rate", required_argument, nullptr, kRate},
      {"count", required_argument, nullptr, kCount},
      {"duration", required_argument, nullptr, kDuration},
      {"threads", required_argument, nullptr, kThreads},
      {"cpu", required_argument, nullptr, kCpu},
      {"progress", no_argument, nullptr, kProgress},
      {"mode", required_argument, nullptr, kMode},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0},
  };
  constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();
  PktgenOptions o;
  FrameSpec& f = o.frame;
  bool dst_given = false, threads_given = false;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1) {
    absl::Status s;
    switch (c) {
      case kIface: o.iface = optarg; break;
      case kDst: s = ParseAddress("dst", optarg, &f.dst); dst_given = true; break;
      case kSrc: s = ParseAddress("src", optarg, &f.src); o.src_given = true; break;
      case kDstMac: s = ParseMac("dst-mac", optarg, &f.dst_mac); break;
      case kSrcMac: s = ParseMac("src-mac", optarg, &f.src_mac); o.src_mac_given = true; break;
      case kProto: {
        std::string p = optarg;
        if (p == "udp") f.protocol = Protocol::kUdp;
        else if (p == "tcp") f.protocol = Protocol::kTcp;
        else s = BadValue("proto", optarg, "udp or tcp");
        break;
      }
      case kSport: s = ParseNumber<uint16_t>("sport", optarg, 1, 65535, &f.src_port); break;
      case kDport: s = ParseNumber<uint16_t>("dport", optarg, 1, 65535, &f.dst_port); break;
      case kFlows: s = ParseNumber<uint32_t>("flows", optarg, 1, 1u << 24, &f.flows); break;
      case kVary: {
        std::string v = optarg;
        if (v == "src-port") f.vary = Vary::kSrcPort;
        else if (v == "src-ip") f.vary = Vary::kSrcAddr;
        else s = BadValue("vary", optarg, "src-port or src-ip");
        break;
      }
      case kSize: s = ParseNumber<uint32_t>("size", optarg, 64, 65535, &f.size); break;
      case kRate: s = ParseNumber<uint64_t>("rate", optarg, 0, kMax64, &o.rate); break;
      case kCount: s = ParseNumber<uint64_t>("count", optarg, 1, kMax64, &o.count); break;
      case kDuration: s = ParseDuration(optarg, &o.duration_s); break;
      case kThreads:
        s = ParseNumber<int>("threads", optarg, 1, 1024, &o.threads);
        threads_given = true;
        break;
      case kCpu: s = ParseCpuList(optarg, &o.cpus); break;
      case kProgress: o.progress = true; break;
      case kMode: {
        std::string m = optarg;
        if (m == "auto") o.mode = SendMode::kAuto;
        else if (m == "live") o.mode = SendMode::kLiveFrames;
        else if (m == "afpacket") o.mode = SendMode::kAfPacket;
        else s = BadValue("mode", optarg, "auto, live or afpacket");
        break;
      }
      case kHelp: return absl::CancelledError(kUsage);
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("unknown or incomplete flag '", argv[optind - 1], "' (see --help)"));
    }
    if (!s.ok()) return s;
  }
  if (optind < argc) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", argv[optind], "'"));
  }
  if (o.iface.empty()) return absl::InvalidArgumentError("--iface is required");
  if (!dst_given) return absl::InvalidArgumentError("--dst is required");
  if (!o.cpus.empty()) {
    if (threads_given && o.threads != static_cast<int>(o.cpus.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--threads ", o.threads, " but --cpu names ", o.cpus.size(), " CPUs"));
    }
    o.threads = static_cast<int>(o.cpus.size());
  }
  return o;
}

}  // namespace sluice::pktgen
