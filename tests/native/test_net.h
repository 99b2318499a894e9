// Blocking client sockets for the native tests, the same calls on Winsock and
// on BSD sockets: the tests that use it run against both engines.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#endif

#include "check.h"

namespace testnet {

#ifdef _WIN32
using sock_t = SOCKET;
constexpr sock_t kNoSocket = INVALID_SOCKET;
inline void close_socket(sock_t s) { closesocket(s); }
inline int send_flags() { return 0; }
#else
using sock_t = int;
constexpr sock_t kNoSocket = -1;
inline void close_socket(sock_t s) { close(s); }
inline int send_flags() { return MSG_NOSIGNAL; }
#endif

// Once per test program.
inline void init() {
#ifdef _WIN32
    WSADATA data;
    CHECK(WSAStartup(MAKEWORD(2, 2), &data) == 0);
#else
    signal(SIGPIPE, SIG_IGN);
#endif
}

inline void set_recv_timeout(sock_t s, int ms) {
#ifdef _WIN32
    const DWORD v = static_cast<DWORD>(ms);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&v), sizeof v);
#else
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
#endif
}

// rcvbuf > 0 shrinks the client's receive buffer (a slow consumer fills up sooner).
inline sock_t connect_client(int port, int rcvbuf = 0) {
    const sock_t s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(s != kNoSocket);
    if (rcvbuf) setsockopt(s, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&rcvbuf), sizeof rcvbuf);
    const int one = 1;
    // Each send goes out as its own segment: splits reach the server as splits.
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
    set_recv_timeout(s, 10000);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return s;
}

inline std::string local_peer(sock_t s) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    return "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
}

inline void send_all(sock_t s, const uint8_t* p, size_t n) {
    while (n > 0) {
        const int w = static_cast<int>(send(s, reinterpret_cast<const char*>(p), static_cast<int>(n), send_flags()));
        CHECK(w > 0);
        p += w;
        n -= static_cast<size_t>(w);
    }
}

// > 0 bytes, 0 at EOF, < 0 on error or timeout.
inline int recv_some(sock_t s, uint8_t* p, size_t n) {
    return static_cast<int>(recv(s, reinterpret_cast<char*>(p), static_cast<int>(n), 0));
}

inline bool recv_exact(sock_t s, uint8_t* p, size_t n) {
    size_t got = 0;
    while (got < n) {
        const int r = recv_some(s, p + got, n - got);
        if (r <= 0) {
            std::fprintf(stderr, "recv_exact: got %zu of %zu (%s)\n", got, n, r == 0 ? "EOF" : "error/timeout");
            return false;
        }
        got += static_cast<size_t>(r);
    }
    return true;
}

// Reads and drops everything until the server ends the connection (EOF or
// reset). False if the connection stays open past the receive timeout.
inline bool drain_to_end(sock_t s) {
    uint8_t b[16384];
    for (;;) {
        const int r = recv_some(s, b, sizeof b);
        if (r == 0) return true;
        if (r < 0) {
#ifdef _WIN32
            return WSAGetLastError() != WSAETIMEDOUT;
#else
            return errno != EAGAIN && errno != EWOULDBLOCK;
#endif
        }
    }
}

// Abortive close: SO_LINGER with a zero timeout makes close send RST.
inline void abort_socket(sock_t s) {
    linger l{};
    l.l_onoff = 1;
    l.l_linger = 0;
    setsockopt(s, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&l), sizeof l);
    close_socket(s);
}

}  // namespace testnet
