// What lbctl prints on standard output: aligned tables for people
// (-o table) and one JSON document per command for programs (-o json; the
// proto3 JSON mapping of the response with the proto field names).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/args.h"
#include "google/protobuf/message.h"
#include "sluice/v1/blacklist.pb.h"
#include "sluice/v1/load_balancer.pb.h"
#include "sluice/v1/node.pb.h"
#include "sluice/v1/stats.pb.h"

namespace sluice::cli {

// Takes what `*out` holds so far to standard output (and clears it), so that
// a streaming command's lines (monitor) show as they come. Null: `*out`
// collects everything, printed at the end.
using FlushOutput = std::function<void(std::string* out)>;

// Columns padded to the widest cell, two spaces apart; columns whose header
// is in `right_aligned` (numbers) are right-aligned. No trailing blanks.
class Table {
 public:
  Table(std::vector<std::string> header, std::vector<std::string> right_aligned = {});
  void AddRow(std::vector<std::string> row);
  void AppendTo(std::string* out) const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// One JSON document and a newline: field names as in the .proto, fields at
// their default value included (uint64 counters are strings, as proto3 JSON
// says), enums by name.
std::string ToJson(const google::protobuf::Message& message);
// The same on one line (a stream of events, one JSON object a line).
std::string ToJsonLine(const google::protobuf::Message& message);

// A state-changing command's result: nothing in table mode, the response
// ("{}" for the empty ones) in json mode.
std::string FormatChange(const google::protobuf::Message& response, OutputFormat format);

std::string FormatVips(const sluice::v1::ListVipsResponse& response, OutputFormat format);
std::string FormatBackends(const sluice::v1::ListBackendsResponse& response, OutputFormat format);
// Table mode prints the push file format (a '#' summary line, prefixes, then
// "arp IP" lines), so `lbctl blacklist list > f; lbctl blacklist push f`
// round-trips.
std::string FormatBlacklist(const sluice::v1::BlacklistEntries& entries, OutputFormat format);
std::string FormatStats(const sluice::v1::GetStatsResponse& response, StatsSection section,
                        OutputFormat format);

std::string FormatEndpoints(const sluice::v1::ListEndpointsResponse& response,
                            OutputFormat format);
// Table mode: one row per backend (a service without backends: one row, "-").
std::string FormatServices(const sluice::v1::ListServicesResponse& response, OutputFormat format);
// Table mode numbers rules from 1, as policy file errors do; JSON keeps the
// API's `index` (from 0).
std::string FormatPolicyStats(const sluice::v1::GetPolicyStatsResponse& response,
                              OutputFormat format);
// One line: "[SECONDS.MICROS] drop|allow ENDPOINT DIRECTION PROTO SRC -> DST
// reason=R rule=N suppressed=K" (the key=value parts only when they apply;
// rule numbered from 1), or ToJsonLine.
std::string FormatEvent(const sluice::v1::Event& event, OutputFormat format);

}  // namespace sluice::cli
