#include "api/fuzz/state_dump.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sluice/v1/blacklist.grpc.pb.h"
#include "sluice/v1/load_balancer.grpc.pb.h"
#include "sluice/v1/node.grpc.pb.h"

namespace sluice::api::testing {
namespace {

constexpr int kMaxDiffLines = 10;


template <typename Req, typename Resp, typename Call>
absl::Status Read(const char* what, const Req& req, Resp* resp, Call call) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status s = call(&ctx, req, resp);
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

// The string fields of `m` (at any depth) that hold a control character.
void FindControlCharacters(const google::protobuf::Message& m, std::vector<std::string>* out) {
  using google::protobuf::FieldDescriptor;
  const auto* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    int n = f->is_repeated() ? r->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        FindControlCharacters(f->is_repeated() ? r->GetRepeatedMessage(m, f, i)
                                               : r->GetMessage(m, f), out);
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        std::string v = f->is_repeated() ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
        if (std::any_of(v.begin(), v.end(), [](char c) { return c >= 0 && c < 0x20; }) ||
            v.find('\x7f') != std::string::npos) {
          out->push_back(absl::StrCat(kUnprintableMark, " ", f->full_name(), " ",
                                      m.ShortDebugString()));
        }
      }
    }
  }
}

}  // namespace

absl::StatusOr<std::string> DumpState(const std::shared_ptr<grpc::Channel>& channel) {
  auto lb = v1::LoadBalancer::NewStub(channel);
  auto blacklist = v1::Blacklist::NewStub(channel);
  auto node = v1::Node::NewStub(channel);
  std::vector<std::string> lines;
  auto add = [&](const char* kind, const google::protobuf::Message& m) {
    lines.push_back(absl::StrCat(kind, " ", m.ShortDebugString()));
    FindControlCharacters(m, &lines);
  };
  using namespace std::placeholders;

  v1::ListVipsResponse vips;
  absl::Status s = Read("ListVips", v1::ListVipsRequest(), &vips,
                        std::bind(&v1::LoadBalancer::Stub::ListVips, lb.get(), _1, _2, _3));
  if (!s.ok()) return s;
  for (const auto& vip : vips.vips()) {
    add("vip", vip);
    v1::ListBackendsRequest req;
    *req.mutable_vip() = vip.config().vip();
    v1::ListBackendsResponse backends;
    s = Read("ListBackends", req, &backends,
             std::bind(&v1::LoadBalancer::Stub::ListBackends, lb.get(), _1, _2, _3));
    if (!s.ok()) return s;
    for (const auto& b : backends.backends()) {
      lines.push_back(absl::StrCat("backend ", req.vip().ShortDebugString(), " ",
                                   b.ShortDebugString()));
      FindControlCharacters(b, &lines);
    }
  }

  v1::BlacklistEntries entries;
  s = Read("ListEntries", v1::ListBlacklistRequest(), &entries,
           std::bind(&v1::Blacklist::Stub::ListEntries, blacklist.get(), _1, _2, _3));
  if (!s.ok()) return s;
  for (const std::string& p : entries.prefixes()) lines.push_back("blacklist " + p);
  for (const std::string& a : entries.arp_ips()) lines.push_back("arp " + a);
  FindControlCharacters(entries, &lines);

  v1::ListEndpointsResponse endpoints;
  s = Read("ListEndpoints", v1::ListEndpointsRequest(), &endpoints,
           std::bind(&v1::Node::Stub::ListEndpoints, node.get(), _1, _2, _3));
  if (!s.ok()) return s;
  for (const auto& e : endpoints.endpoints()) {
    add("endpoint", e);
    v1::GetPolicyRequest req;
    req.set_endpoint(e.endpoint().name());
    v1::GetPolicyResponse policy;
    s = Read("GetPolicy", req, &policy,
             std::bind(&v1::Node::Stub::GetPolicy, node.get(), _1, _2, _3));
    if (!s.ok()) return s;
    lines.push_back(absl::StrCat("policy ", e.endpoint().name(), " ", policy.ShortDebugString()));
    FindControlCharacters(policy, &lines);
  }

  v1::ListServicesResponse services;
  s = Read("ListServices", v1::ListServicesRequest(), &services,
           std::bind(&v1::Node::Stub::ListServices, node.get(), _1, _2, _3));
  if (!s.ok()) return s;
  for (const auto& service : services.services()) add("service", service);

  std::sort(lines.begin(), lines.end());
  return absl::StrJoin(lines, "\n");
}

std::string StateDiff(const std::string& before, const std::string& after) {
  std::vector<std::string> a = absl::StrSplit(before, '\n');
  std::vector<std::string> b = absl::StrSplit(after, '\n');
  std::vector<std::string> gone, added;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(gone));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(added));
  std::string out;
  int n = 0;
  for (const std::string& line : gone) {
    if (n++ < kMaxDiffLines) absl::StrAppend(&out, "  - ", line.substr(0, 300), "\n");
  }
  for (const std::string& line : added) {
    if (n++ < kMaxDiffLines) absl::StrAppend(&out, "  + ", line.substr(0, 300), "\n");
  }
  if (n > kMaxDiffLines) absl::StrAppend(&out, "  (", n - kMaxDiffLines, " more lines)\n");
  return out;
}

}  // namespace sluice::api::testing
