// push_and_die SOCKET: starts a blacklist Push on lbd's Unix socket, sends
// one chunk of prefixes and is killed (SIGKILL) mid-stream, as a client
// that crashes. For blacklist_push_test.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "sluice/v1/blacklist.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: push_and_die SOCKET\n");
    return 2;
  }
  auto channel = grpc::CreateChannel(std::string("unix:") + argv[1],
                                     grpc::InsecureChannelCredentials());
  auto stub = sluice::v1::Blacklist::NewStub(channel);
  grpc::ClientContext context;
  sluice::v1::BlacklistResponse response;
  auto writer = stub->Push(&context, &response);
  sluice::v1::BlacklistEntries chunk;
  chunk.add_prefixes("100.64.0.0/10");
  chunk.add_prefixes("2001:db8:dead::/48");
  if (!writer->Write(chunk)) return 1;
  // Let the chunk reach lbd before dying.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::fputs("dying mid-stream\n", stdout);
  std::fflush(stdout);
  raise(SIGKILL);
  return 1;
}
