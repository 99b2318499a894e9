// Winsock plumbing for the IOCP backend: start-up, error texts, the listening
// socket and the Microsoft extension functions it needs (AcceptEx and
// GetAcceptExSockaddrs are not exported by ws2_32; they are fetched per
// provider through WSAIoctl, as the AcceptEx documentation says:
// https://learn.microsoft.com/windows/win32/api/mswsock/nf-mswsock-acceptex).
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <cstdint>
#include <string>

namespace gameport {

// WSAStartup / WSACleanup, reference-counted by Winsock itself.
class WinsockScope {
public:
    WinsockScope() { ok_ = WSAStartup(MAKEWORD(2, 2), &data_) == 0; }
    ~WinsockScope() {
        if (ok_) WSACleanup();
    }
    WinsockScope(const WinsockScope&) = delete;
    WinsockScope& operator=(const WinsockScope&) = delete;
    bool ok() const { return ok_; }

private:
    WSADATA data_;
    bool ok_ = false;
};

// "what: <system message> (code)".
std::string win_error_text(const char* what, int code);

struct Listener {
    SOCKET socket = INVALID_SOCKET;
    int family = AF_INET;
    LPFN_ACCEPTEX accept_ex = nullptr;
    LPFN_GETACCEPTEXSOCKADDRS get_addresses = nullptr;
};

// Binds host:port (port 0 picks one) and listens, overlapped, with AcceptEx
// loaded. True with *listener filled and the bound port, or false with *err.
bool open_listener_socket(const char* host, int32_t port, Listener* listener, int32_t* bound_port,
                          std::string* err);

// A socket for AcceptEx to accept into: the listener's family, overlapped, not inherited.
SOCKET new_accept_socket(int family);

}  // namespace gameport
