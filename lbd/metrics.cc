#include "lbd/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <cstdio>

#include "lb/stats.h"
#include "node/node_stats.h"

namespace sluice::lbd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric Sample(double value, std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = value;
  return m;
}

MetricFamily Family(const char* name, const char* help) {
  return MetricFamily{name, help, MetricType::Counter, {}};
}

class DatapathCollector : public prometheus::Collectable {
 public:
  explicit DatapathCollector(const MetricsSources& sources) : sources_(sources) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    if (sources_.xdp && sources_.lb) CollectLoadBalancer(&out);
    if (sources_.node) CollectNode(&out);
    if (sources_.decap) CollectDecap(&out);
    return out;
  }

 private:
  void CollectLoadBalancer(std::vector<MetricFamily>* out) const {
    auto stats = lb::ReadStats(*sources_.xdp, *sources_.lb->Counters());
    if (!stats.ok()) {
      fprintf(stderr, "lbd: metrics: %s\n", std::string(stats.status().message()).c_str());
      return;
    }
    MetricFamily vip_p = Family("sluice_vip_packets_total", "Packets forwarded per VIP");
    MetricFamily vip_b = Family("sluice_vip_bytes_total", "Bytes forwarded per VIP");
    for (const auto& v : stats->vips) {
      vip_p.metric.push_back(Sample(v.counter.packets, {{"vip", v.key.ToString()}}));
      vip_b.metric.push_back(Sample(v.counter.bytes, {{"vip", v.key.ToString()}}));
    }
    MetricFamily be_p = Family("sluice_backend_packets_total", "Packets forwarded per backend");
    MetricFamily be_b = Family("sluice_backend_bytes_total", "Bytes forwarded per backend");
    for (const auto& b : stats->backends) {
      std::vector<ClientMetric::Label> l = {{"vip", b.vip.ToString()},
                                            {"backend", b.address.ToString()}};
      be_p.metric.push_back(Sample(b.counter.packets, l));
      be_b.metric.push_back(Sample(b.counter.bytes, l));
    }
    MetricFamily drops = Family("sluice_xdp_drops_total", "Packets dropped in XDP, by reason");
    for (const auto& [reason, c] : stats->drops) {
      drops.metric.push_back(Sample(c.packets, {{"reason", reason}}));
    }
    MetricFamily verdicts = Family("sluice_xdp_verdicts_total", "XDP verdicts");
    for (const auto& [verdict, c] : stats->verdicts) {
      verdicts.metric.push_back(Sample(c.packets, {{"verdict", verdict}}));
    }
    MetricFamily events = Family("sluice_xdp_packets_total",
                                 "Packets by classification and connection-table outcome");
    for (const auto& [name, c] : stats->counters) {
      events.metric.push_back(Sample(c.packets, {{"class", name}}));
    }
    out->insert(out->end(), {vip_p, vip_b, be_p, be_b, drops, verdicts, events});
    CollectCommitRepairs(out);
  }

  // Commit steps that failed (an undo, or a step after the flip;
  // lb/transaction.h): redone on a retry, or waiting for the next commit
  // (which is refused until they succeed).
  void CollectCommitRepairs(std::vector<MetricFamily>* out) const {
    const lb::CommitRepairCounts repairs = sources_.lb->RepairCounts();
    MetricFamily repaired = Family("sluice_commit_repairs_total",
                                   "Commit steps that failed and succeeded on a retry");
    repaired.metric.push_back(Sample(repairs.repaired, {}));
    MetricFamily pending{"sluice_commit_repairs_pending",
                         "Commit steps that failed and wait for the next commit",
                         MetricType::Gauge, {}};
    ClientMetric waiting;
    waiting.gauge.value = repairs.pending;
    pending.metric.push_back(waiting);
    out->insert(out->end(), {repaired, pending});
  }

  void CollectNode(std::vector<MetricFamily>* out) const {
    auto stats = node::ReadNodeStats(*sources_.node);
    if (!stats.ok()) {
      fprintf(stderr, "lbd: metrics: %s\n", std::string(stats.status().message()).c_str());
      return;
    }
    struct Group {
      const std::map<std::string, sluice_counter>* counters;
      const char* name;
      const char* help;
      const char* label;
    };
    for (const Group& g : {
             Group{&stats->drops, "sluice_node_drops_total",
                   "Packets dropped on endpoint veths, by reason", "reason"},
             Group{&stats->verdicts, "sluice_node_verdicts_total",
                   "Verdicts of the endpoint veth programs", "verdict"},
             Group{&stats->counters, "sluice_node_packets_total",
                   "Endpoint veth packets by connection-table, NAT and policy outcome", "class"},
         }) {
      MetricFamily f = Family(g.name, g.help);
      for (const auto& [name, c] : *g.counters) f.metric.push_back(Sample(c.packets, {{g.label, name}}));
      out->push_back(std::move(f));
    }
  }

  void CollectDecap(std::vector<MetricFamily>* out) const {
    auto counters = sources_.decap->ReadCounters();
    if (!counters.ok()) {
      fprintf(stderr, "lbd: metrics: %s\n", std::string(counters.status().message()).c_str());
      return;
    }
    MetricFamily packets = Family("sluice_decap_packets_total",
                                  "Packets seen by the real server's decapsulation, by outcome");
    MetricFamily bytes = Family("sluice_decap_bytes_total",
                                "Bytes seen by the real server's decapsulation, by outcome");
    for (const auto& [name, c] : *counters) {
      packets.metric.push_back(Sample(c.packets, {{"class", name}}));
      bytes.metric.push_back(Sample(c.bytes, {{"class", name}}));
    }
    out->push_back(std::move(packets));
    out->push_back(std::move(bytes));
  }

  MetricsSources sources_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, const MetricsSources& sources) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  // prometheus-cpp reports a bind failure by throwing (civetweb); the
  // project builds without exceptions elsewhere, so catch it right here.
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::UnavailableError("metrics: cannot listen on " + address + ": " + e.what());
  }
  auto collector = std::make_shared<DatapathCollector>(sources);
  server->exposer_->RegisterCollectable(collector);
  server->collectable_ = collector;
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace sluice::lbd
