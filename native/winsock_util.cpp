#include "winsock_util.h"

#include <cstring>

namespace gameport {

std::string win_error_text(const char* what, int code) {
    char text[256] = "";
    const DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                                   static_cast<DWORD>(code), 0, text, sizeof text, nullptr);
    std::string message(text, n);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == ' ' ||
                                message.back() == '.')) {
        message.pop_back();
    }
    if (message.empty()) message = "error";
    return std::string(what) + ": " + message + " (" + std::to_string(code) + ")";
}

namespace {

template <typename Fn>
bool load_extension(SOCKET s, GUID guid, Fn* fn, std::string* err, const char* name) {
    DWORD bytes = 0;
    if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &guid, sizeof guid, fn, sizeof *fn, &bytes, nullptr,
                 nullptr) == SOCKET_ERROR) {
        *err = win_error_text(name, WSAGetLastError());
        return false;
    }
    return true;
}

}  // namespace

SOCKET new_accept_socket(int family) {
    return WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
}

bool open_listener_socket(const char* host, int32_t port, Listener* listener, int32_t* bound_port,
                          std::string* err) {
    addrinfo hints;
    std::memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    const int gai = getaddrinfo(host && *host ? host : nullptr, service.c_str(), &hints, &res);
    if (gai != 0) {
        *err = win_error_text((std::string("cannot resolve ") + (host ? host : "")).c_str(), gai);
        return false;
    }
    const SOCKET s = new_accept_socket(res->ai_family);
    if (s == INVALID_SOCKET) {
        *err = win_error_text("socket", WSAGetLastError());
        freeaddrinfo(res);
        return false;
    }
    // Not SO_REUSEADDR: on Windows that lets another process bind the same
    // port; SO_EXCLUSIVEADDRUSE is the documented way to keep it ours.
    // https://learn.microsoft.com/windows/win32/winsock/using-so-reuseaddr-and-so-exclusiveaddruse
    const BOOL one = TRUE;
    setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof one);
    if (bind(s, res->ai_addr, static_cast<int>(res->ai_addrlen)) != 0 || listen(s, SOMAXCONN) != 0) {
        *err = win_error_text(("bind " + std::string(host ? host : "") + ":" + service).c_str(), WSAGetLastError());
        closesocket(s);
        freeaddrinfo(res);
        return false;
    }
    listener->family = res->ai_family;
    freeaddrinfo(res);
    sockaddr_storage bound;
    int len = sizeof bound;
    std::memset(&bound, 0, sizeof bound);
    getsockname(s, reinterpret_cast<sockaddr*>(&bound), &len);
    *bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                                              : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
    const GUID accept_ex = WSAID_ACCEPTEX;
    const GUID get_addresses = WSAID_GETACCEPTEXSOCKADDRS;
    if (!load_extension(s, accept_ex, &listener->accept_ex, err, "WSAIoctl(AcceptEx)") ||
        !load_extension(s, get_addresses, &listener->get_addresses, err, "WSAIoctl(GetAcceptExSockaddrs)")) {
        closesocket(s);
        return false;
    }
    listener->socket = s;
    return true;
}

}  // namespace gameport
