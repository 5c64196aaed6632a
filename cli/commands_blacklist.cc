// lbctl blacklist add|del|push|list
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "cli/blacklist_file.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/rpc.h"

namespace sluice::cli {
namespace {

// Validates the whole file first, then streams it in chunks; the server
// commits the new list when the stream ends, or nothing on any error.
absl::Status Push(const Command& cmd, const Clients& clients, std::FILE* in, std::string* out) {
  BlacklistFile file;
  {
    ASSIGN_OR_RETURN(std::string text, ReadInput(cmd.push_file, in));
    ASSIGN_OR_RETURN(file, ParseBlacklistFile(text, cmd.push_file == "-" ? "stdin" : cmd.push_file));
  }
  std::vector<sluice::v1::BlacklistEntries> chunks = SplitIntoChunks(std::move(file), kPushChunkSize);

  grpc::ClientContext context;
  SetTimeout(&context, clients.push_timeout);
  sluice::v1::BlacklistResponse response;
  auto writer = clients.blacklist->Push(&context, &response);
  bool sent = true;
  for (const auto& chunk : chunks) {
    // false: the stream is broken (the server answered early with an error,
    // or the connection failed); Finish() says why.
    if (!writer->Write(chunk)) {
      sent = false;
      break;
    }
  }
  if (sent) writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return FromGrpc(s, clients.target);
  *out += FormatChange(response, cmd.format);
  return absl::OkStatus();
}

}  // namespace

absl::Status RunBlacklistCommand(const Command& cmd, const Clients& clients, std::FILE* in,
                                 std::string* out) {
  if (cmd.action == Action::kBlacklistPush) return Push(cmd, clients, in, out);
  grpc::ClientContext context;
  SetTimeout(&context, clients.timeout);
  switch (cmd.action) {
    case Action::kBlacklistAdd:
    case Action::kBlacklistDel: {
      sluice::v1::BlacklistResponse response;
      grpc::Status s = cmd.action == Action::kBlacklistAdd
                           ? clients.blacklist->AddEntries(&context, cmd.entries, &response)
                           : clients.blacklist->DeleteEntries(&context, cmd.entries, &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatChange(response, cmd.format);
      return absl::OkStatus();
    }
    case Action::kBlacklistList: {
      sluice::v1::BlacklistEntries response;
      grpc::Status s = clients.blacklist->ListEntries(
          &context, sluice::v1::ListBlacklistRequest(), &response);
      if (!s.ok()) return FromGrpc(s, clients.target);
      *out += FormatBlacklist(response, cmd.format);
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("not a blacklist command");
  }
}

}  // namespace sluice::cli
