#include "api/service/blacklist_service.h"

#include "absl/strings/str_cat.h"
#include "api/service/convert.h"
#include "api/service/grpc_status.h"
#include "base/quote_value.h"
#include "base/status_macros.h"

namespace sluice::api {
namespace {

void FillCounts(const lb::BlacklistCounts& c, v1::BlacklistResponse* resp) {
  resp->set_prefixes(c.prefixes);
  resp->set_arp_ips(c.arp_ips);
}

// Reads the whole stream, then replaces the blacklist in one commit, only
// when the client half-closed the stream: a cancelled call, a passed
// deadline or a client gone mid-stream ends the reads too, and then the list
// is incomplete and nothing changes. The commit runs on `commits`, not on
// the gRPC callback thread that delivers the end of the stream.
class PushReactor : public grpc::ServerReadReactor<v1::BlacklistEntries> {
 public:
  PushReactor(lb::LoadBalancer* lb, CommitWorker* commits, grpc::CallbackServerContext* ctx,
              v1::BlacklistResponse* resp)
      : lb_(lb), commits_(commits), ctx_(ctx), resp_(resp) {
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    if (ok) {
      absl::Status s = ParseBlacklistEntries(chunk_, BlacklistEdit::kAdd, list_.prefixes.size(),
                                             list_.arp_ips.size(), &list_);
      if (!s.ok()) {
        Finish(ToGrpc(s));   // nothing was changed
        return;
      }
      StartRead(&chunk_);
      return;
    }
    // gRPC >= 1.39 marks the call cancelled before a read fails because the
    // stream broke, so this tells a half-close from everything else.
    if (ctx_->IsCancelled()) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the push ended before the client finished it: nothing was changed"));
      return;
    }
    commits_->Post([this] {
      auto counts = lb_->ReplaceBlacklist(list_);
      if (counts.ok()) FillCounts(*counts, resp_);
      Finish(ToGrpc(counts.status()));   // OnDone (delete) may follow at once
    });
  }

  void OnDone() override { delete this; }

 private:
  lb::LoadBalancer* lb_;
  CommitWorker* commits_;
  grpc::CallbackServerContext* ctx_;
  v1::BlacklistResponse* resp_;
  v1::BlacklistEntries chunk_;
  lb::BlacklistChange list_;
};

}  // namespace

absl::Status ParseBlacklistEntries(const v1::BlacklistEntries& entries, BlacklistEdit edit,
                                   size_t prefix_offset, size_t arp_offset,
                                   lb::BlacklistChange* out) {
  for (int i = 0; i < entries.prefixes_size(); ++i) {
    std::string field = absl::StrCat("prefixes[", prefix_offset + i, "]");
    if (edit == BlacklistEdit::kAdd) {
      ASSIGN_OR_RETURN(IpPrefix p, ToNewPrefix(entries.prefixes(i), field));
      out->prefixes.push_back(p);
      continue;
    }
    auto p = ParseIpPrefix(entries.prefixes(i));
    if (!p.ok()) return InField(field, p.status());
    out->prefixes.push_back(*p);
  }
  for (int i = 0; i < entries.arp_ips_size(); ++i) {
    std::string field = absl::StrCat("arp_ips[", arp_offset + i, "]");
    auto a = ParseIpAddress(entries.arp_ips(i));
    if (!a.ok()) return InField(field, a.status());
    if (!a->is_v4()) {
      return InField(field, absl::InvalidArgumentError(absl::StrCat(
                                QuoteValue(entries.arp_ips(i)), " is not an IPv4 address")));
    }
    out->arp_ips.push_back(*a);
  }
  return absl::OkStatus();
}

namespace {

// Add and delete differ only in the LoadBalancer call.
using BlacklistMethod =
    absl::StatusOr<lb::BlacklistCounts> (lb::LoadBalancer::*)(const lb::BlacklistChange&);

// `allowed`: whether this lbd takes blacklist changes (ChangesAllowed).
grpc::ServerUnaryReactor* EditBlacklist(lb::LoadBalancer* lb, const absl::Status& allowed,
                                        BlacklistEdit edit, BlacklistMethod method,
                                        grpc::CallbackServerContext* ctx,
                                        const v1::BlacklistEntries* req,
                                        v1::BlacklistResponse* resp) {
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(allowed);
    lb::BlacklistChange change;
    RETURN_IF_ERROR(ParseBlacklistEntries(*req, edit, 0, 0, &change));
    ASSIGN_OR_RETURN(lb::BlacklistCounts c, (lb->*method)(change));
    FillCounts(c, resp);
    return absl::OkStatus();
  };
  return Finish(ctx, run());
}

}  // namespace

grpc::ServerUnaryReactor* BlacklistService::AddEntries(grpc::CallbackServerContext* ctx,
                                                       const v1::BlacklistEntries* req,
                                                       v1::BlacklistResponse* resp) {
  return EditBlacklist(lb_, ChangesAllowed(), BlacklistEdit::kAdd,
                       &lb::LoadBalancer::AddToBlacklist, ctx, req, resp);
}

grpc::ServerUnaryReactor* BlacklistService::DeleteEntries(grpc::CallbackServerContext* ctx,
                                                          const v1::BlacklistEntries* req,
                                                          v1::BlacklistResponse* resp) {
  return EditBlacklist(lb_, ChangesAllowed(), BlacklistEdit::kDelete,
                       &lb::LoadBalancer::DeleteFromBlacklist, ctx, req, resp);
}

grpc::ServerUnaryReactor* BlacklistService::ListEntries(grpc::CallbackServerContext* ctx,
                                                        const v1::ListBlacklistRequest*,
                                                        v1::BlacklistEntries* resp) {
  if (!lb_) return Finish(ctx, NoLoadBalancer());
  lb::BlacklistChange list = lb_->ListBlacklist();
  for (const IpPrefix& p : list.prefixes) resp->add_prefixes(p.ToString());
  for (const IpAddress& a : list.arp_ips) resp->add_arp_ips(a.ToString());
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerReadReactor<v1::BlacklistEntries>* BlacklistService::Push(
    grpc::CallbackServerContext* ctx, v1::BlacklistResponse* resp) {
  if (absl::Status allowed = ChangesAllowed(); !allowed.ok()) {
    class Refuse : public grpc::ServerReadReactor<v1::BlacklistEntries> {
     public:
      explicit Refuse(const absl::Status& why) { Finish(ToGrpc(why)); }
      void OnDone() override { delete this; }
    };
    return new Refuse(allowed);
  }
  return new PushReactor(lb_, &push_commits_, ctx, resp);
}

}  // namespace sluice::api
