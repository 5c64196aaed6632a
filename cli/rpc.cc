#include "cli/rpc.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace sluice::cli {
namespace {

absl::StatusOr<std::string> ReadFile(absl::string_view flag, const std::string& path) {
  std::ifstream in(path);
  if (!in.is_open()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const Command& cmd) {
  if (absl::StartsWith(cmd.server, "unix:")) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!cmd.tls_ca.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile("--tls-ca", cmd.tls_ca));
  }
  if (!cmd.tls_cert.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadFile("--tls-cert", cmd.tls_cert));
    ASSIGN_OR_RETURN(ssl.pem_private_key, ReadFile("--tls-key", cmd.tls_key));
  }
  return grpc::SslCredentials(ssl);
}

// gRPC says why a connection failed only in its message text (1.51): these
// are the words of its TLS layer.
std::string WhyUnavailable(absl::string_view grpc_message, absl::string_view target) {
  if (absl::StrContains(grpc_message, "certificate verify failed") ||
      absl::StrContains(grpc_message, "CERTIFICATE_VERIFY_FAILED") ||
      absl::StrContains(grpc_message, "is not in peer certificate")) {
    return absl::StrCat("lbd at ", target,
                        " is not trusted: its certificate does not verify against --tls-ca "
                        "(without it: the system's CAs) or does not name ",
                        target.substr(0, target.rfind(':')));
  }
  // With TLS 1.3 a server that rejects the client's certificate does so
  // after the client's side of the handshake: the client sees the
  // connection close.
  if (!absl::StartsWith(target, "unix:") && absl::StrContains(grpc_message, "Socket closed")) {
    return absl::StrCat("lbd at ", target,
                        " closed the connection: it takes only clients with a certificate "
                        "signed by its --tls-client-ca (give --tls-cert and --tls-key)");
  }
  return absl::StrCat("cannot reach lbd at ", target);
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const Command& cmd) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> creds, Credentials(cmd));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(cmd.server, creds, args);
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
    absl::StrAppend(&message, ": ", WhyUnavailable(status.error_message(), target));
  }
  if (!status.error_message().empty()) absl::StrAppend(&message, ": ", status.error_message());
  std::replace(message.begin(), message.end(), '\n', ' ');
  return absl::Status(code, message);
}

}  // namespace sluice::cli
