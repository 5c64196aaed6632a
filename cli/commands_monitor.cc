// lbctl monitor
#include "absl/status/status.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/rpc.h"

namespace sluice::cli {

absl::Status RunMonitorCommand(const Command& cmd, const Clients& clients, std::string* out,
                               const FlushOutput& flush) {
  grpc::ClientContext context;  // no deadline: it runs until Ctrl-C
  std::unique_ptr<grpc::ClientReaderInterface<sluice::v1::Event>> reader =
      clients.node->Monitor(&context, sluice::v1::MonitorRequest());
  sluice::v1::Event event;
  while (reader->Read(&event)) {
    *out += FormatEvent(event, cmd.format);
    if (flush) flush(out);
  }
  return FromGrpc(reader->Finish(), clients.target);
}

}  // namespace sluice::cli
