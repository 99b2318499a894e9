// The Windows backend of engine.h: only the OS calls, on I/O completion ports.
// The session state machine is WorkerCore's (worker_core.cpp), shared with the
// Linux backend.
//
// One completion port per worker, not one shared by all workers: a session is
// owned by one worker (slot % workers) and its state is touched by that
// thread only, so its completions must come to that thread. (A port shared by
// several threads would hand any completion to any of them and need a lock
// per session.) The listening socket belongs to worker 0's port; worker 0
// keeps kAcceptsPosted AcceptEx calls pending and hands each accepted socket,
// round-robin, to a worker by PostQueuedCompletionStatus on that worker's port.
//
// Completion key = session index for a session's I/O; keys above the session
// range mark the listener, wake-ups and hand-offs. Every OVERLAPPED is the
// first member of an IoOp that says which operation it was and for which
// generation of the slot.
//   - per session one WSARecv outstanding, its IoOp reused (one per slot);
//   - at most one WSASend in flight per session (SendQueue), its IoOp from a
//     per-worker pool, pending bytes merged and short sends resumed by WorkerCore;
//   - teardown: CancelIoEx before closesocket (wine never completes a blocked
//     WSASend that closesocket alone interrupts; Windows is fine either way),
//     and the slot is released only when the last completion has come back.
// https://learn.microsoft.com/windows/win32/fileio/i-o-completion-ports
#include "winsock_util.h"  // first: winsock2.h before anything pulls in windows.h

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "engine_core.h"
#include "peer_name.h"

namespace gameport {
namespace {

constexpr ULONG_PTR kKeyWake = kMaxSlots + 1;     // PostQueuedCompletionStatus from wake()
constexpr ULONG_PTR kKeyAccept = kMaxSlots + 2;   // the listener's AcceptEx completions
constexpr ULONG_PTR kKeyHandoff = kMaxSlots + 3;  // an accepted socket for this worker
constexpr int kAcceptsPosted = 8;                 // AcceptEx calls kept pending on the listener
constexpr ULONG kBatch = 64;                      // completions per GetQueuedCompletionStatusEx
constexpr int64_t kAcceptRetryMs = 100;           // no socket for AcceptEx: try again after this
// AcceptEx completions that failed in a row (no connection between): then accept pauses for
// kAcceptRetryMs, so an error that recurs at once cannot make re-posting spin.
constexpr int kMaxAcceptErrors = 100;
// AcceptEx wants room for each address plus 16 bytes (its documentation).
constexpr DWORD kAddressLength = sizeof(sockaddr_storage) + 16;

enum class IoKind : uint8_t { kRecv, kSend, kAccept, kHandoff };

// The extended OVERLAPPED. Standard layout with the OVERLAPPED first, so the
// OVERLAPPED* a completion returns converts back to the IoOp*.
struct IoOp {
    OVERLAPPED ov;
    IoKind kind = IoKind::kRecv;
    uint32_t slot = 0;
    uint32_t generation = 0;

    void reset(IoKind k, uint32_t s, uint32_t g) {
        std::memset(&ov, 0, sizeof ov);  // an OVERLAPPED must be zeroed before each reuse
        kind = k;
        slot = s;
        generation = g;
    }
};
static_assert(std::is_standard_layout_v<IoOp> && offsetof(IoOp, ov) == 0, "the OVERLAPPED must come first");

struct AcceptOp {
    IoOp op;  // first
    SOCKET socket = INVALID_SOCKET;
    bool pending = false;
    char addresses[2 * kAddressLength];
};

// Plain chars, no std::string: the struct stays standard layout, so the
// IoOp* of its completion converts back to it.
struct Handoff {
    IoOp op;  // first
    SOCKET socket = INVALID_SOCKET;
    char peer[64];  // "[ipv6]:port" is at most 54 bytes
};

static_assert(std::is_standard_layout_v<AcceptOp> && std::is_standard_layout_v<Handoff>,
              "an IoOp* must convert back to its container");

IoOp* op_of(OVERLAPPED* ov) { return reinterpret_cast<IoOp*>(ov); }

// NT_SUCCESS of the status the system stores in OVERLAPPED.Internal when the
// operation ends (what GetOverlappedResult reads; GetQueuedCompletionStatusEx
// reports no per-entry status, so this is where it is). Any failure on a
// connection is taken as the connection gone; no specific codes are matched
// (wine reports some cases with other codes than Windows).
bool succeeded(const OVERLAPPED& ov) { return static_cast<LONG>(ov.Internal) >= 0; }

SOCKET socket_of(const Session& s) { return static_cast<SOCKET>(s.handle); }

class IocpEngine;

class IocpWorker final : public WorkerCore {
public:
    IocpWorker(IocpEngine* engine, uint32_t index);
    ~IocpWorker() override;
    bool init_port(std::string* err);
    // Any thread. A wake-up packet carries nothing: dequeuing it only ends the wait.
    void wake() override { PostQueuedCompletionStatus(port_, 0, kKeyWake, nullptr); }
    // Worker 0 -> this worker. The port is a kernel queue: what worker 0 wrote
    // into *h before posting is visible to the thread that dequeues the packet
    // (posting and dequeuing synchronize), so *h needs no atomics.
    bool post_handoff(Handoff* h) { return PostQueuedCompletionStatus(port_, 0, kKeyHandoff, &h->op.ov) != 0; }

private:
    bool os_thread_init(std::string* err) override;
    bool os_attach(uint32_t slot, Session& s) override;
    void os_refuse(int64_t handle, const uint8_t* data, size_t n) override;
    bool os_recv(uint32_t slot, Session& s, uint8_t* buf, size_t len, int* error) override;
    bool os_send(uint32_t slot, Session& s, const uint8_t* data, size_t len, int* error) override;
    bool os_cancel(uint32_t slot, Session& s) override;
    void os_shutdown_write(Session& s) override { shutdown(socket_of(s), SD_SEND); }
    void os_close(Session& s) override { closesocket(socket_of(s)); }
    void os_begin_shutdown() override;
    bool os_quiesced() override { return pending_accepts_ == 0; }
    bool os_tick(int64_t now) override;
    bool os_has_backlog() override { return false; }  // os_dispatch handles every fetched entry
    void os_wait(bool block, int64_t timeout_nanos, int64_t window_nanos) override;
    void os_dispatch() override;
    // A completion port has no thread affinity: any one thread at a time may drive it.
    bool os_bind_driver(std::string*) override { return true; }
    bool thread_bound() const override { return false; }
    void os_abandon() override;
    std::string os_error_text(const char* what, int error) override { return win_error_text(what, error); }
    bool os_peer_gone(int error) const override {
        return error == WSAECONNRESET || error == WSAECONNABORTED || error == ERROR_NETNAME_DELETED;
    }

    void handle(const OVERLAPPED_ENTRY& e);
    int completion_error(const Session& s, IoOp& op);
    bool post_accept(AcceptOp& a);
    void on_accept(AcceptOp& a);
    void deliver(SOCKET s, std::string peer);
    IoOp* take_send_op();

    IocpEngine* const iocp_engine_;
    HANDLE port_ = nullptr;
    OVERLAPPED_ENTRY entries_[kBatch];
    ULONG fetched_ = 0;
    // Send IoOps: allocated as needed (at most one per live session of this
    // worker), then reused; never freed per send.
    std::vector<std::unique_ptr<IoOp>> send_ops_;
    std::vector<IoOp*> free_send_ops_;
    // Worker 0 only: the AcceptEx calls on the listener.
    std::vector<AcceptOp> accepts_;
    int pending_accepts_ = 0;
    bool accept_starved_ = false;  // some AcceptEx could not be posted; retried on a tick
    int accept_errors_ = 0;         // AcceptEx completions that failed in a row
    int wait_errors_ = 0;           // GetQueuedCompletionStatusEx failures in a row
    int64_t accept_retry_ms_ = 0;
    uint32_t next_worker_ = 0;
};

class IocpEngine final : public EngineCore {
public:
    IocpEngine(const gp_engine_config& c, void* ev, int32_t ev_cap, void* rq, int32_t rq_cap)
        : EngineCore(c, ev, ev_cap, rq, rq_cap), recv_ops(table.capacity()) {}
    ~IocpEngine() override {
        stop();
        workers.clear();
        if (events_event) CloseHandle(events_event);
    }

    bool open_listener(const char* host, int32_t port, int32_t* bound_port, std::string* err) override {
        return open_listener_socket(host, port, &listener, bound_port, err);
    }
    void close_listener() override {
        if (listener.socket != INVALID_SOCKET) closesocket(listener.socket);
        listener.socket = INVALID_SOCKET;
    }
    // An auto-reset event: like the Linux eventfd, several wakes before the
    // game thread waits leave one wake-up, and the wait consumes it.
    void wake_game() override { SetEvent(events_event); }
    void await_events(int64_t timeout_nanos) override {
        // Rounded up: a short timeout must still sleep, not spin.
        const int64_t capped = std::min<int64_t>(std::max<int64_t>(timeout_nanos, 0), int64_t{1} << 50);
        const int64_t ms = std::min<int64_t>((capped + 999'999) / 1'000'000, INFINITE - 1);
        WaitForSingleObject(events_event, static_cast<DWORD>(ms));
    }
    std::string describe() override {
        return "IOCP (GetQueuedCompletionStatusEx, AcceptEx), " + std::to_string(workers.size()) + " worker(s)";
    }
    IocpWorker& worker(uint32_t i) { return static_cast<IocpWorker&>(*workers[i]); }

    WinsockScope winsock;
    Listener listener;
    HANDLE events_event = nullptr;
    // The receive IoOp of each slot; only the slot's owner worker touches one.
    // Never resized: an OVERLAPPED must not move while the system holds it.
    std::vector<IoOp> recv_ops;
};

IocpWorker::IocpWorker(IocpEngine* engine, uint32_t index) : WorkerCore(engine, index), iocp_engine_(engine) {}

IocpWorker::~IocpWorker() {
    if (!port_) return;
    // Hand-offs posted after this worker stopped: close their sockets. Nothing
    // else can be queued: the thread ended with no session and no accept left.
    ULONG n = 0;
    while (GetQueuedCompletionStatusEx(port_, entries_, kBatch, &n, 0, FALSE) && n > 0) {
        for (ULONG i = 0; i < n; i++) {
            if (entries_[i].lpCompletionKey != kKeyHandoff) continue;
            Handoff* h = reinterpret_cast<Handoff*>(op_of(entries_[i].lpOverlapped));
            closesocket(h->socket);
            delete h;
        }
    }
    CloseHandle(port_);
}

bool IocpWorker::init_port(std::string* err) {
    // Concurrency 1: exactly one thread (this worker) waits on it.
    port_ = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
    if (!port_) {
        *err = win_error_text("CreateIoCompletionPort", static_cast<int>(GetLastError()));
        return false;
    }
    return true;
}

bool IocpWorker::os_thread_init(std::string* err) {
    if (index() != 0) return true;
    const SOCKET listen_socket = iocp_engine_->listener.socket;
    if (CreateIoCompletionPort(reinterpret_cast<HANDLE>(listen_socket), port_, kKeyAccept, 0) != port_) {
        *err = win_error_text("CreateIoCompletionPort(listener)", static_cast<int>(GetLastError()));
        return false;
    }
    accepts_ = std::vector<AcceptOp>(kAcceptsPosted);
    for (AcceptOp& a : accepts_) {
        if (!post_accept(a)) {
            if (pending_accepts_ == 0) {
                *err = win_error_text("AcceptEx", WSAGetLastError());
                return false;
            }
            accept_starved_ = true;  // fewer than planned for now; os_tick retries
        }
    }
    return true;
}

bool IocpWorker::post_accept(AcceptOp& a) {
    a.socket = new_accept_socket(iocp_engine_->listener.family);
    if (a.socket == INVALID_SOCKET) return false;
    a.op.reset(IoKind::kAccept, 0, 0);
    DWORD bytes = 0;
    // No receive data length: complete at connection time, not at the first byte.
    if (!iocp_engine_->listener.accept_ex(iocp_engine_->listener.socket, a.socket, a.addresses, 0, kAddressLength,
                                          kAddressLength, &bytes, &a.op.ov) &&
        WSAGetLastError() != ERROR_IO_PENDING) {
        const int e = WSAGetLastError();
        closesocket(a.socket);
        a.socket = INVALID_SOCKET;
        WSASetLastError(e);
        return false;
    }
    // Pending or done at once: either way a completion packet comes.
    a.pending = true;
    pending_accepts_++;
    return true;
}

void IocpWorker::on_accept(AcceptOp& a) {
    a.pending = false;
    pending_accepts_--;
    const SOCKET s = a.socket;
    a.socket = INVALID_SOCKET;
    const bool ok = succeeded(a.op.ov);
    if (ok) {
        accept_errors_ = 0;
        // The accepted socket inherits the listener's properties only after this
        // (shutdown, getpeername and friends need it).
        const SOCKET listen_socket = iocp_engine_->listener.socket;
        setsockopt(s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, reinterpret_cast<const char*>(&listen_socket),
                   sizeof listen_socket);
        sockaddr* local = nullptr;
        sockaddr* remote = nullptr;
        int local_len = 0;
        int remote_len = 0;
        iocp_engine_->listener.get_addresses(a.addresses, 0, kAddressLength, kAddressLength, &local, &local_len,
                                             &remote, &remote_len);
        std::string peer = format_peer(remote);
        // Stopping: refused right here (the other workers may be on their way out).
        const uint32_t target =
            stopping() ? index() : next_worker_++ % static_cast<uint32_t>(engine_->config.workers);
        if (target == index()) {
            deliver(s, std::move(peer));
        } else {
            auto* h = new Handoff;
            h->op.reset(IoKind::kHandoff, 0, 0);
            h->socket = s;
            std::snprintf(h->peer, sizeof h->peer, "%s", peer.c_str());
            if (!iocp_engine_->worker(target).post_handoff(h)) {
                closesocket(s);
                delete h;
            }
        }
    } else {
        // Failed (the client gave up before we took it, or our own cancel at
        // shutdown): only this socket is lost.
        closesocket(s);
        if (!stopping() && ++accept_errors_ >= kMaxAcceptErrors) {
            // Failing again and again: pause instead of re-posting at once (os_tick resumes).
            accept_errors_ = 0;
            log_line("worker %u: AcceptEx failed %d times in a row; pausing accept for %lld ms", index(),
                     kMaxAcceptErrors, static_cast<long long>(kAcceptRetryMs));
            accept_starved_ = true;
            accept_retry_ms_ = now_ms() + kAcceptRetryMs;
            return;
        }
    }
    if (!stopping() && !post_accept(a)) {
        accept_starved_ = true;
        accept_retry_ms_ = now_ms() + kAcceptRetryMs;
    }
}

void IocpWorker::deliver(SOCKET s, std::string peer) {
    // No slot (table full, or stopping): refused there, and the game never hears of it.
    if (!session_accepted(static_cast<int64_t>(s), std::move(peer))) closesocket(s);
}

void IocpWorker::os_refuse(int64_t handle, const uint8_t* data, size_t n) {
    const SOCKET s = static_cast<SOCKET>(handle);
    // Not tied to the completion port yet (os_attach does that), so plain non-blocking calls.
    u_long non_blocking = 1;
    ioctlsocket(s, FIONBIO, &non_blocking);
    // A fresh socket's send buffer takes 3 bytes; should it not, the client gets the FIN alone.
    send(s, reinterpret_cast<const char*>(data), static_cast<int>(n), 0);
    shutdown(s, SD_SEND);
    // What the client sent already (its CS_LOGIN, say): read it, so the close is a FIN, not a
    // reset that would destroy the SC_LOGIN_FAIL on its way. Only what is there now.
    char sink[4096];
    for (int i = 0; i < 16 && recv(s, sink, sizeof sink, 0) > 0; i++) {
    }
    closesocket(s);
}

// After a failure (or an abandoned stop): close every socket of this worker, then wait, bounded,
// for their operations' completions, so the system is done with each OVERLAPPED (and its buffer)
// before the memory can go. Wine and Windows both complete cancelled operations promptly.
void IocpWorker::os_abandon() {
    SessionTable& table = engine_->table;
    int outstanding = 0;
    const auto step = static_cast<uint32_t>(engine_->config.workers);
    for (uint32_t slot = index(); slot < table.capacity(); slot += step) {
        Session& s = table.at(slot);
        if (s.handle >= 0) {
            CancelIoEx(reinterpret_cast<HANDLE>(socket_of(s)), nullptr);
            closesocket(socket_of(s));
            s.handle = -1;
        }
        outstanding += (s.recv_inflight ? 1 : 0) + (s.send_inflight ? 1 : 0);
        s.recv_inflight = s.send_inflight = false;
    }
    if (pending_accepts_ > 0) {
        CancelIoEx(reinterpret_cast<HANDLE>(iocp_engine_->listener.socket), nullptr);
        outstanding += pending_accepts_;
    }
    const int64_t deadline = now_ms() + kShutdownAbandonMs;
    while (outstanding > 0 && now_ms() < deadline) {
        ULONG n = 0;
        if (!GetQueuedCompletionStatusEx(port_, entries_, kBatch, &n, 50, FALSE)) continue;
        for (ULONG i = 0; i < n; i++) {
            const ULONG_PTR key = entries_[i].lpCompletionKey;
            IoOp* op = op_of(entries_[i].lpOverlapped);
            if (key == kKeyWake || !op) continue;
            if (key == kKeyHandoff) {
                Handoff* h = reinterpret_cast<Handoff*>(op);
                closesocket(h->socket);
                delete h;
                continue;
            }
            if (key == kKeyAccept) {
                AcceptOp& a = *reinterpret_cast<AcceptOp*>(op);
                a.pending = false;
                pending_accepts_--;
                closesocket(a.socket);
                a.socket = INVALID_SOCKET;
            } else if (op->kind == IoKind::kSend) {
                free_send_ops_.push_back(op);
            }
            outstanding--;
        }
    }
    if (outstanding > 0) log_line("worker %u: %d operation(s) not ended after the abandon", index(), outstanding);
}

bool IocpWorker::os_tick(int64_t now) {
    if (accept_starved_ && !stopping() && now >= accept_retry_ms_) {
        accept_starved_ = false;
        for (AcceptOp& a : accepts_) {
            if (!a.pending && !post_accept(a)) {
                accept_starved_ = true;
                accept_retry_ms_ = now + kAcceptRetryMs;
                break;
            }
        }
    }
    return accept_starved_ && !stopping();
}

void IocpWorker::os_begin_shutdown() {
    // Every pending AcceptEx completes (aborted); on_accept closes its socket
    // and posts no more. The thread ends once none is left (os_quiesced).
    if (pending_accepts_ > 0) CancelIoEx(reinterpret_cast<HANDLE>(iocp_engine_->listener.socket), nullptr);
}

bool IocpWorker::os_attach(uint32_t slot, Session& s) {
    const SOCKET sock = socket_of(s);
    if (CreateIoCompletionPort(reinterpret_cast<HANDLE>(sock), port_, slot, 0) != port_) {
        log_line("worker %u: CreateIoCompletionPort(session): error %lu", index(), GetLastError());
        return false;
    }
    const BOOL one = TRUE;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
    return true;
}

bool IocpWorker::os_recv(uint32_t slot, Session& s, uint8_t* buf, size_t len, int* error) {
    IoOp& op = iocp_engine_->recv_ops[slot];
    op.reset(IoKind::kRecv, slot, s.generation);
    WSABUF b{static_cast<ULONG>(len), reinterpret_cast<CHAR*>(buf)};
    DWORD flags = 0;
    if (WSARecv(socket_of(s), &b, 1, nullptr, &flags, &op.ov, nullptr) == SOCKET_ERROR) {
        const int e = WSAGetLastError();
        if (e != WSA_IO_PENDING) {
            *error = e;  // failed at once: no completion packet will come
            return false;
        }
    }
    return true;  // pending, or done at once with its completion packet queued
}

IoOp* IocpWorker::take_send_op() {
    if (free_send_ops_.empty()) {
        send_ops_.push_back(std::make_unique<IoOp>());
        return send_ops_.back().get();
    }
    IoOp* op = free_send_ops_.back();
    free_send_ops_.pop_back();
    return op;
}

bool IocpWorker::os_send(uint32_t slot, Session& s, const uint8_t* data, size_t len, int* error) {
    IoOp* op = take_send_op();
    op->reset(IoKind::kSend, slot, s.generation);
    // WSABUF's pointer is not const; WSASend only reads through it.
    WSABUF b{static_cast<ULONG>(len), reinterpret_cast<CHAR*>(const_cast<uint8_t*>(data))};
    if (WSASend(socket_of(s), &b, 1, nullptr, 0, &op->ov, nullptr) == SOCKET_ERROR) {
        const int e = WSAGetLastError();
        if (e != WSA_IO_PENDING) {
            free_send_ops_.push_back(op);
            *error = e;
            return false;
        }
    }
    return true;
}

bool IocpWorker::os_cancel(uint32_t, Session& s) {
    // Both at once: the pending operations complete (aborted) whether the
    // system honours the cancel or the close first; their buffers stay valid
    // until then because the slot is released only after the last one.
    // https://learn.microsoft.com/windows/win32/fileio/cancelioex-func
    const SOCKET sock = socket_of(s);
    CancelIoEx(reinterpret_cast<HANDLE>(sock), nullptr);
    closesocket(sock);
    s.handle = -1;
    return false;  // no separate cancel completion
}

int IocpWorker::completion_error(const Session& s, IoOp& op) {
    if (s.handle < 0) return ERROR_OPERATION_ABORTED;
    DWORD bytes = 0;
    DWORD flags = 0;
    if (WSAGetOverlappedResult(socket_of(s), &op.ov, &bytes, FALSE, &flags)) return ERROR_GEN_FAILURE;
    return WSAGetLastError();
}

static DWORD millis_rounded_up(int64_t nanos) {
    return static_cast<DWORD>(std::min<int64_t>((nanos + 999'999) / 1'000'000, INFINITE - 1));
}

void IocpWorker::os_wait(bool block, int64_t timeout_nanos, int64_t window_nanos) {
    DWORD ms = 0;
    if (block && window_nanos > 0 && timeout_nanos != 0) {
        // GetQueuedCompletionStatusEx has no "wait for many": sleep out the window and take
        // everything that queued meanwhile in one call; only an empty port waits on.
        const int64_t window = timeout_nanos < 0 ? window_nanos : std::min(window_nanos, timeout_nanos);
        Sleep(millis_rounded_up(window));
        fetched_ = 0;
        if (GetQueuedCompletionStatusEx(port_, entries_, kBatch, &fetched_, 0, FALSE) && fetched_ > 0) return;
        if (timeout_nanos >= 0) timeout_nanos = std::max<int64_t>(0, timeout_nanos - window);
        block = timeout_nanos != 0;
    }
    if (block) ms = timeout_nanos < 0 ? INFINITE : millis_rounded_up(timeout_nanos);
    fetched_ = 0;
    const bool injected = take_injected_os_error();
    if (injected || !GetQueuedCompletionStatusEx(port_, entries_, kBatch, &fetched_, ms, FALSE)) {
        fetched_ = 0;
        const DWORD e = injected ? ERROR_INVALID_HANDLE : GetLastError();
        if (e == WAIT_TIMEOUT) {
            wait_errors_ = 0;
            return;
        }
        // A closed or broken port fails at once on every call: that is the end of this worker.
        // Anything else gets kMaxTransientErrors tries in a row before it counts as the same.
        std::string text = win_error_text("GetQueuedCompletionStatusEx", static_cast<int>(e));
        if (injected) text += " (injected by a test)";
        if (e == ERROR_INVALID_HANDLE || e == ERROR_ABANDONED_WAIT_0 || ++wait_errors_ >= kMaxTransientErrors) {
            throw EngineError(text);
        }
        return;
    }
    wait_errors_ = 0;
}

void IocpWorker::os_dispatch() {
    const ULONG n = fetched_;
    fetched_ = 0;
    for (ULONG i = 0; i < n; i++) handle(entries_[i]);
}

void IocpWorker::handle(const OVERLAPPED_ENTRY& e) {
    const ULONG_PTR key = e.lpCompletionKey;
    if (key == kKeyWake) return;  // it only ended the wait
    IoOp* op = op_of(e.lpOverlapped);
    if (!op) return;
    if (key == kKeyAccept) {
        on_accept(*reinterpret_cast<AcceptOp*>(op));
        return;
    }
    if (key == kKeyHandoff) {
        Handoff* h = reinterpret_cast<Handoff*>(op);
        deliver(h->socket, h->peer);
        delete h;
        return;
    }
    // The system is done with this OVERLAPPED: a send's goes back to the pool.
    if (op->kind == IoKind::kSend) free_send_ops_.push_back(op);
    const uint32_t slot = static_cast<uint32_t>(key);
    Session* s = session_for(slot, op->generation, static_cast<unsigned>(op->kind));
    if (!s) return;
    const bool ok = succeeded(op->ov);
    const int error = ok ? 0 : completion_error(*s, *op);
    const size_t bytes = ok ? e.dwNumberOfBytesTransferred : 0;
    if (op->kind == IoKind::kRecv) {
        recv_done(slot, ok, bytes, error);
    } else if (op->kind == IoKind::kSend) {
        send_done(slot, ok, bytes, error);
    }
}

}  // namespace

std::unique_ptr<EngineCore> create_os_engine(const gp_engine_config& config, void* ev, int32_t ev_cap, void* rq,
                                             int32_t rq_cap, std::string* err) {
    auto engine = std::make_unique<IocpEngine>(config, ev, ev_cap, rq, rq_cap);
    if (!engine->winsock.ok()) {
        *err = win_error_text("WSAStartup", WSAGetLastError());
        return nullptr;
    }
    engine->events_event = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    if (!engine->events_event) {
        *err = win_error_text("CreateEvent", static_cast<int>(GetLastError()));
        return nullptr;
    }
    engine->workers.reserve(static_cast<size_t>(engine->config.workers));
    for (int32_t i = 0; i < engine->config.workers; i++) {
        auto w = std::make_unique<IocpWorker>(engine.get(), static_cast<uint32_t>(i));
        if (!w->init_port(err) || !w->init_inbox(err)) return nullptr;
        engine->workers.push_back(std::move(w));
    }
    return engine;
}

int probe_os(std::string* err) {
    WinsockScope winsock;
    if (!winsock.ok()) {
        *err = "WSAStartup failed";
        return -1;
    }
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
    if (!port) {
        *err = win_error_text("CreateIoCompletionPort", static_cast<int>(GetLastError()));
        return -1;
    }
    CloseHandle(port);
    return 0;
}

}  // namespace gameport
