// "ip:port" / "[ipv6]:port" for the ACCEPTED event: the same text on every
// platform (the game logs it and Java's engine writes it the same way).
#pragma once

#include <string>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <sys/socket.h>
#endif

namespace gameport {

std::string format_peer(const sockaddr* address);

}  // namespace gameport
