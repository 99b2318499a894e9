#include "peer_name.h"

#include <cstring>

#ifndef _WIN32
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

namespace gameport {

std::string format_peer(const sockaddr* address) {
    char ip[INET6_ADDRSTRLEN] = "?";
    if (address && address->sa_family == AF_INET) {
        sockaddr_in a;
        std::memcpy(&a, address, sizeof a);  // the caller's bytes need not be aligned for sockaddr_in
        inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
        return std::string(ip) + ":" + std::to_string(ntohs(a.sin_port));
    }
    if (address && address->sa_family == AF_INET6) {
        sockaddr_in6 a;
        std::memcpy(&a, address, sizeof a);
        const unsigned port = ntohs(a.sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&a.sin6_addr)) {
            inet_ntop(AF_INET, &a.sin6_addr.s6_addr[12], ip, sizeof ip);
            return std::string(ip) + ":" + std::to_string(port);
        }
        inet_ntop(AF_INET6, &a.sin6_addr, ip, sizeof ip);
        return "[" + std::string(ip) + "]:" + std::to_string(port);
    }
    return "?:0";
}

}  // namespace gameport
