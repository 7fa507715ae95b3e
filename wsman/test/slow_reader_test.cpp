// The server's answer to a reader slower than the answer is large (decision 0121's partial
// write, automated by decision 0124): the answer is written without blocking as far as the
// socket takes it, the rest asynchronously; the reader, with a 16 KB receive buffer that waits
// before it reads, gets every byte — the Content-Length, every instance, the closing tag — and
// the connection then serves its next request (contract §8).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "fake_provider.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::wsman {
namespace {

using namespace testing;

// Occurrences of `what` in `text`.
std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos;
       at = text.find(what, at + what.size()))
    ++n;
  return n;
}

// One HTTP answer read whole from `fd`: its head and its body (Content-Length bytes), read a
// few KB at a time; `pending` keeps what was read beyond it.
bool read_answer(int fd, std::string& pending, std::string& head, std::string& body) {
  char buf[4096];
  std::size_t end = 0;
  while ((end = pending.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
  }
  head = pending.substr(0, end);
  pending.erase(0, end + 4);
  const std::size_t cl = head.find("Content-Length: ");
  if (cl == std::string::npos) return false;
  const std::size_t length = std::stoull(head.substr(cl + 16));
  while (pending.size() < length) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
  }
  body = pending.substr(0, length);
  pending.erase(0, length);
  return true;
}

TEST(WsmanSlowReader, ALargeAnswerToASlowReaderArrivesWholeAndTheConnectionGoesOn) {
  // 1,000 instances of about 8 KB each: an 8 MB answer, more than a loopback socket's send
  // buffer takes at once (at most 4 MB by default), so the server's first write is partial.
  auto provider = std::make_shared<FakeProvider>();
  const std::string big(8000, 'x');
  for (int i = 0; i < 1000; ++i)
    provider->add_vm("VM-" + std::to_string(i), big + std::to_string(i) + "<end>", 2, 1);
  ServerOptions so;
  so.port = 0;
  auto started = Server::start(std::make_shared<Dispatcher>(provider, nullptr), so);
  ASSERT_TRUE(started.ok()) << started.status().message();
  auto server = std::move(started).value();

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  const int small = 16384;  // before connect, so that the window stays small
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(server->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);

  const std::string soap = envelope(
      kActEnum, std::string(kWmi) + "Msvm_ComputerSystem",
      "<w:MaxEnvelopeSize>20000000</w:MaxEnvelopeSize>",
      "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>1000</w:MaxElements></n:Enumerate>");
  const std::string request =
      "POST /wsman HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/soap+xml;"
      "charset=UTF-8\r\nContent-Length: " +
      std::to_string(soap.size()) + "\r\n\r\n" + soap;
  std::string pending;
  for (int round = 0; round < 2; ++round) {
    ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    // The server writes what the socket takes and must wait for the rest.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::string head, body;
    ASSERT_TRUE(read_answer(fd, pending, head, body)) << "round " << round;
    EXPECT_EQ(head.substr(0, 15), "HTTP/1.1 200 OK") << head;
    EXPECT_GT(body.size(), std::size_t{8'000'000});
    EXPECT_EQ(count(body, "<p:Msvm_ComputerSystem "), 1000U);
    EXPECT_EQ(count(body, "&lt;end&gt;"), 1000U);
    EXPECT_NE(body.find(big + "999&lt;end&gt;"), std::string::npos);
    EXPECT_EQ(body.substr(body.size() - 13), "</s:Envelope>");
    EXPECT_TRUE(pending.empty());
  }
  ::close(fd);
}

}  // namespace
}  // namespace hvsnap::wsman
