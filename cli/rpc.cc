#include "cli/rpc.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace sluice::cli {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

void SetTimeout(grpc::ClientContext* context, std::chrono::milliseconds timeout) {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
}

absl::Status FromGrpc(const grpc::Status& status, absl::string_view target) {
  if (status.ok()) return absl::OkStatus();
  // grpc::StatusCode and absl::StatusCode share their numbers.
  auto code = static_cast<absl::StatusCode>(status.error_code());
  std::string message = absl::StatusCodeToString(code);
  if (code == absl::StatusCode::kUnavailable) {
    absl::StrAppend(&message, ": cannot reach lbd at ", target);
  }
  if (!status.error_message().empty()) absl::StrAppend(&message, ": ", status.error_message());
  std::replace(message.begin(), message.end(), '\n', ' ');
  return absl::Status(code, message);
}

}  // namespace sluice::cli
