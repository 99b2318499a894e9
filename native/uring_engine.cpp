// The Linux backend of engine.h: only the OS calls. One io_uring per worker
// thread (raw syscalls, uring.h), multishot accept per worker on the shared
// listening socket, eventfds for wake-ups. The session state machine is
// WorkerCore's (worker_core.cpp), shared with the Windows backend.
//
// Wake-ups: a sleeping worker blocks in io_uring_enter with a read of its
// eventfd armed; WorkerCore::wake writes that eventfd. The game thread sleeps
// on its own eventfd in ppoll.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine_core.h"
#include "peer_name.h"
#include "uring.h"
#include "uring_buffers.h"

namespace gameport {
namespace {

// user_data = generation << 32 | op << 24 | slot: a completion names its
// session's generation, so one that arrives after the slot was reused misses.
enum Op : uint64_t { kOpAccept = 1, kOpRecv, kOpSend, kOpCancel, kOpWake, kOpCancelMisc };
constexpr uint64_t user_data(Op op, uint32_t slot, uint32_t generation) {
    return (static_cast<uint64_t>(generation) << 32) | (static_cast<uint64_t>(op) << 24) | slot;
}
constexpr Op op_of(uint64_t ud) { return static_cast<Op>((ud >> 24) & 0xff); }
constexpr uint32_t slot_of(uint64_t ud) { return static_cast<uint32_t>(ud & (kMaxSlots - 1)); }
constexpr uint32_t gen_of(uint64_t ud) { return static_cast<uint32_t>(ud >> 32); }

constexpr int64_t kAcceptPauseMs = 100;  // fd table full: accept again after this
// Accept completions that failed in a row (no connection between): then accept pauses as on a
// full fd table, so an error that recurs at once cannot make re-arming spin.
constexpr int kMaxAcceptErrors = 100;

std::string errno_text(const char* what, int e) { return std::string(what) + ": " + strerror(e); }

void write_eventfd(int fd) {
    const uint64_t one = 1;
    // A failed write can only mean the counter is saturated: the reader is awake anyway.
    if (write(fd, &one, sizeof one) < 0) {
    }
}

class UringEngine;

class UringWorker final : public WorkerCore {
public:
    UringWorker(UringEngine* engine, uint32_t index);
    ~UringWorker() override;
    bool init_wake(std::string* err);
    void wake() override { write_eventfd(wake_fd_); }
    const char* ring_mode() const { return ring_.mode(); }
    const char* recv_mode() const {
        return buffers_.ready() ? ", multishot receive into 4096 x 1 KiB provided buffers" : ", one receive per session";
    }

private:
    bool os_thread_init(std::string* err) override;
    bool os_attach(uint32_t slot, Session& s) override;
    void os_refuse(int64_t handle, const uint8_t* data, size_t n) override;
    bool os_recv(uint32_t slot, Session& s, uint8_t* buf, size_t len, int* error) override;
    bool os_provides_buffers() const override { return buffers_.ready(); }
    void os_pause_recv(uint32_t slot, Session& s) override;
    bool os_send(uint32_t slot, Session& s, const uint8_t* data, size_t len, int* error) override;
    bool os_cancel(uint32_t slot, Session& s) override;
    void os_shutdown_write(Session& s) override { shutdown(static_cast<int>(s.handle), SHUT_WR); }
    void os_close(Session& s) override;
    void os_begin_shutdown() override;
    bool os_quiesced() override;
    bool os_tick(int64_t now) override;
    bool os_has_backlog() override { return !deferred_.empty() || ring_.ready() > 0; }
    void os_wait(bool block, int64_t timeout_nanos, int64_t window_nanos) override;
    bool os_bind_driver(std::string* err) override;
    void os_abandon() override;
    bool thread_bound() const override { return ring_.defer_taskrun(); }
    void os_dispatch() override;
    std::string os_error_text(const char* what, int error) override { return errno_text(what, error); }
    bool os_peer_gone(int error) const override { return error == EPIPE || error == ECONNRESET; }

    io_uring_sqe* sqe();
    void flush_submissions();
    void handle(const io_uring_cqe& cqe);
    void arm_wake();
    void arm_accept();
    void cancel_accept();
    void on_accept(int res, uint32_t flags);
    void on_cancel(uint32_t slot, int res);
    void on_multishot_recv(uint32_t slot, const io_uring_cqe& cqe);
    // An io_uring_enter result that is neither success nor -ETIME: transient ones (EINTR,
    // EAGAIN, EBUSY) are counted and fail only after kMaxTransientErrors in a row; anything
    // else (EBADF, EINVAL, EFAULT, EEXIST...) means the ring cannot be used: EngineError.
    void enter_failed(const char* what, int erc);

    UringEngine* const uring_engine_;
    int wake_fd_ = -1;
    // Declared before ring_: destroyed after it, as the kernel uses the memory until the ring goes.
    ProvidedBuffers buffers_;
    Uring ring_;
    // Per slot of this worker, multishot receives only (index = slot).
    std::vector<uint8_t> recv_armed_;   // a multishot receive is in the kernel
    std::vector<uint8_t> recv_paused_;  // and we asked it to stop (os_pause_recv)
    uint64_t buffer_starved_ = 0;       // receives ended by an empty pool (-ENOBUFS)
    int64_t starved_log_ms_ = 0;
    uint64_t wake_buffer_ = 0;  // target of the armed eventfd read; lives as long as the ring
    bool wake_armed_ = false;
    bool accept_armed_ = false;
    bool accept_paused_ = false;
    bool accept_error_logged_ = false;
    int accept_errors_ = 0;       // accept completions that failed in a row
    int transient_errors_ = 0;    // io_uring_enter calls that failed transiently in a row
    bool quiescing_ = false;      // os_quiesced cancelled the wake-up read: not re-armed after it
    bool near_fd_limit_ = false;
    int64_t accept_resume_ms_ = 0;
    int fd_limit_ = 0;
    std::vector<io_uring_cqe> deferred_;
};

class UringEngine final : public EngineCore {
public:
    using EngineCore::EngineCore;
    ~UringEngine() override {
        stop();
        workers.clear();
        if (events_fd >= 0) close(events_fd);
    }

    bool open_listener(const char* host, int32_t port, int32_t* bound_port, std::string* err) override;
    void close_listener() override {
        if (listen_fd >= 0) close(listen_fd);
        listen_fd = -1;
    }
    void wake_game() override { write_eventfd(events_fd); }
    void await_events(int64_t timeout_nanos) override;
    std::string describe() override {
        const std::string mode = std::string("io_uring (") + static_cast<UringWorker&>(*workers[0]).ring_mode() +
                                 static_cast<UringWorker&>(*workers[0]).recv_mode() + ")";
        if (inline_io) return mode + ", I/O on the game thread";
        return mode + ", " + std::to_string(workers.size()) + " worker(s)";
    }

    int listen_fd = -1;
    int events_fd = -1;  // the game thread sleeps on it
};

UringWorker::UringWorker(UringEngine* engine, uint32_t index) : WorkerCore(engine, index), uring_engine_(engine) {}

UringWorker::~UringWorker() {
    ring_.release();  // before buffers_ unmaps the memory the ring may still use
    if (wake_fd_ >= 0) close(wake_fd_);
}

bool UringWorker::init_wake(std::string* err) {
    // Blocking on purpose: io_uring answers a read of an O_NONBLOCK file with
    // -EAGAIN instead of waiting for it.
    wake_fd_ = eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        *err = errno_text("eventfd", errno);
        return false;
    }
    return true;
}

// On the worker thread: SINGLE_ISSUER|DEFER_TASKRUN bind the ring to its creating task.
bool UringWorker::os_thread_init(std::string* err) {
    if (!engine_->inline_io) {
        // Named, so per-thread CPU (tools/bench, top -H) tells the I/O worker from the JVM's threads.
        const std::string name = "gameport-io-" + std::to_string(index());
        pthread_setname_np(pthread_self(), name.c_str());
    }
    const uint32_t per_worker = engine_->table.capacity() / static_cast<uint32_t>(engine_->config.workers) + 1;
    // Each live session has at most recv + send + cancel outstanding.
    const uint64_t cq = std::min<uint64_t>(65536, 4ull * per_worker + 1024);
    // Inline I/O: this is not the thread that will submit; R_DISABLED leaves the
    // SINGLE_ISSUER binding to the driver's first poll (os_bind_driver).
    if (ring_.init(1024, static_cast<unsigned>(cq), engine_->inline_io, err) != 0) return false;
    // Multishot receive with provided buffers needs kernel 6.0; REG_REG_RING (6.3) is the
    // feature bit that says "new enough". Without it, one receive per session as before.
    constexpr unsigned kFeatRegRegRing = 1u << 13;  // IORING_FEAT_REG_REG_RING, newer than Debian 12's header
    if (ring_.features() & kFeatRegRegRing) {
        std::string why;
        if (buffers_.init(ring_.fd(), &why) != 0) log_line("worker %u: %s; one receive per session", index(), why.c_str());
    }
    if (buffers_.ready()) {
        recv_armed_.assign(engine_->table.capacity(), 0);
        recv_paused_.assign(engine_->table.capacity(), 0);
    }
    rlimit rl;
    fd_limit_ = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 30) ? static_cast<int>(rl.rlim_cur)
                                                                                : (1 << 30);
    arm_wake();
    arm_accept();
    return true;
}

// Each flush submits the whole SQ (SUBMIT_ALL) or fails: one that leaves the SQ full this many
// times over is not going to free an entry.
io_uring_sqe* UringWorker::sqe() {
    for (int i = 0; i <= kMaxTransientErrors; i++) {
        if (io_uring_sqe* e = ring_.get_sqe()) return e;
        flush_submissions();
    }
    throw EngineError("io_uring: the submission queue stays full");
}

// SQ full: submit without waiting. If the CQ backlog makes the kernel refuse
// (-EBUSY), completions are copied aside and handled by the main loop, so no
// handler ever runs inside another. Bounded: see enter_failed.
void UringWorker::flush_submissions() {
    for (;;) {
        const int rc = ring_.enter(0, -1);
        if (rc >= 0) {
            transient_errors_ = 0;
            return;
        }
        enter_failed("io_uring_enter (submit)", rc);
        ring_.reap([&](const io_uring_cqe& c) { deferred_.push_back(c); });
    }
}

void UringWorker::enter_failed(const char* what, int erc) {
    if (erc != -EINTR && erc != -EBUSY && erc != -EAGAIN) throw EngineError(errno_text(what, -erc));
    if (++transient_errors_ >= kMaxTransientErrors) {
        throw EngineError(errno_text(what, -erc) + " (" + std::to_string(transient_errors_) + " times in a row)");
    }
}

void UringWorker::arm_wake() {
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_READ;
    e->fd = wake_fd_;
    e->addr = reinterpret_cast<uint64_t>(&wake_buffer_);
    e->len = sizeof wake_buffer_;
    e->user_data = user_data(kOpWake, 0, 0);
    wake_armed_ = true;
}

void UringWorker::arm_accept() {
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_ACCEPT;
    e->fd = uring_engine_->listen_fd;
    e->ioprio = IORING_ACCEPT_MULTISHOT;
    e->accept_flags = SOCK_CLOEXEC;
    e->user_data = user_data(kOpAccept, 0, 0);
    accept_armed_ = true;
}

void UringWorker::cancel_accept() {
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_ASYNC_CANCEL;
    e->addr = user_data(kOpAccept, 0, 0);
    e->user_data = user_data(kOpCancelMisc, 0, 0);
}

void UringWorker::on_accept(int res, uint32_t flags) {
    if (!(flags & IORING_CQE_F_MORE)) accept_armed_ = false;
    if (res >= 0) {
        const int fd = res;
        accept_error_logged_ = false;
        accept_errors_ = 0;
        if (fd >= fd_limit_ - 8) near_fd_limit_ = true;
        sockaddr_storage ss;
        socklen_t len = sizeof ss;
        std::memset(&ss, 0, sizeof ss);
        getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len);
        // No slot (table full, or stopping): refused there, and the game never hears of it.
        if (!session_accepted(fd, format_peer(reinterpret_cast<const sockaddr*>(&ss)))) close(fd);
    } else if (res == -EBADF || res == -ENOTSOCK || res == -EINVAL || res == -EOPNOTSUPP || res == -EFAULT) {
        // The listener itself is unusable (or the kernel lacks multishot accept): no new
        // connection can ever come, so the engine cannot go on.
        throw EngineError(errno_text("accept", -res));
    } else if (res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM ||
               (res != -ECANCELED && ++accept_errors_ >= kMaxAcceptErrors)) {
        if (!accept_error_logged_) {
            log_line("worker %u: accept: %s%s; pausing accept until a session ends", index(), strerror(-res),
                     accept_errors_ >= kMaxAcceptErrors ? " (again and again)" : "");
            accept_error_logged_ = true;  // once per episode: an accepted connection ends it
        }
        accept_errors_ = 0;
        accept_paused_ = true;
        accept_resume_ms_ = now_ms() + kAcceptPauseMs;
        if (accept_armed_) cancel_accept();
        return;
    }
    // Other errors (ECONNABORTED, ECANCELED from our own cancel) end only this shot.
    if (!accept_armed_ && !accept_paused_ && !stopping()) arm_accept();
}

void UringWorker::os_refuse(int64_t handle, const uint8_t* data, size_t n) {
    const int fd = static_cast<int>(handle);
    // A fresh socket's send buffer takes 3 bytes; should it not, the client gets the FIN alone.
    if (send(fd, data, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
    }
    shutdown(fd, SHUT_WR);
    // What the client sent already (its CS_LOGIN, say): read it, so the close is a FIN, not a
    // reset that could overtake the SC_LOGIN_FAIL. Only what is there now, never waiting.
    uint8_t sink[4096];
    for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++) {
    }
    close(fd);
}

bool UringWorker::os_attach(uint32_t slot, Session& s) {
    if (buffers_.ready()) recv_armed_[slot] = recv_paused_[slot] = 0;
    const int one = 1;
    setsockopt(static_cast<int>(s.handle), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
}

bool UringWorker::os_recv(uint32_t slot, Session& s, uint8_t* buf, size_t len, int*) {
    if (buffers_.ready()) {
        if (recv_armed_[slot]) return true;  // the multishot receive goes on
        io_uring_sqe* e = sqe();
        e->opcode = IORING_OP_RECV;
        e->fd = static_cast<int>(s.handle);
        e->ioprio = IORING_RECV_MULTISHOT;
        e->flags = IOSQE_BUFFER_SELECT;
        e->buf_group = ProvidedBuffers::kGroup;
        e->user_data = user_data(kOpRecv, slot, s.generation);
        recv_armed_[slot] = 1;
        return true;
    }
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_RECV;
    e->fd = static_cast<int>(s.handle);
    e->addr = reinterpret_cast<uint64_t>(buf);
    e->len = static_cast<uint32_t>(len);
    e->user_data = user_data(kOpRecv, slot, s.generation);
    return true;  // errors come back as the completion's result
}

bool UringWorker::os_send(uint32_t slot, Session& s, const uint8_t* data, size_t len, int*) {
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_SEND;
    e->fd = static_cast<int>(s.handle);
    e->addr = reinterpret_cast<uint64_t>(data);
    e->len = static_cast<uint32_t>(len);
    e->msg_flags = MSG_NOSIGNAL;
    e->user_data = user_data(kOpSend, slot, s.generation);
    return true;
}

bool UringWorker::os_cancel(uint32_t slot, Session& s) {
    // close() does not cancel armed operations (they would go on with a
    // reused fd number): cancel everything on the fd, close after the last
    // completion (WorkerCore::maybe_finish).
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_ASYNC_CANCEL;
    e->fd = static_cast<int>(s.handle);
    e->cancel_flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
    e->user_data = user_data(kOpCancel, slot, s.generation);
    return true;
}

void UringWorker::os_pause_recv(uint32_t slot, Session& s) {
    if (!buffers_.ready() || !recv_armed_[slot] || recv_paused_[slot]) return;
    recv_paused_[slot] = 1;
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_ASYNC_CANCEL;
    e->addr = user_data(kOpRecv, slot, s.generation);
    e->user_data = user_data(kOpCancelMisc, 0, 0);
}

// A multishot receive's completion (io_uring_prep_recv_multishot(3)): data in a provided
// buffer while IORING_CQE_F_MORE says it goes on; its last completion lacks F_MORE.
void UringWorker::on_multishot_recv(uint32_t slot, const io_uring_cqe& cqe) {
    const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    // A receive that ended (even with data, as on a full CQ) leaves no pause behind: the next
    // receive of this session must be pausable again.
    const bool paused = recv_paused_[slot] != 0;
    if (!more) recv_armed_[slot] = recv_paused_[slot] = 0;
    if (cqe.res > 0 && (cqe.flags & IORING_CQE_F_BUFFER)) {
        const unsigned bid = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
        recv_data(slot, buffers_.data(bid), static_cast<size_t>(cqe.res), more);
        buffers_.recycle(bid);  // recv_data copied what it keeps
        return;
    }
    if ((cqe.res == -ECANCELED && paused) || cqe.res == -ENOBUFS) {
        if (cqe.res == -ENOBUFS) {
            // Every buffer was in use: they come back at the end of this batch, and the receive
            // is armed again then (recv_stopped); the count says how often that happened.
            buffer_starved_++;
            if (now_ms() >= starved_log_ms_) {
                starved_log_ms_ = now_ms() + 10'000;
                log_line("worker %u: receive buffer pool empty (%llu times so far); receives re-armed", index(),
                         static_cast<unsigned long long>(buffer_starved_));
            }
        }
        recv_stopped(slot);
        return;
    }
    // The peer's EOF (0) or an error: the session's end, as with a single receive.
    recv_done(slot, cqe.res >= 0, 0, cqe.res < 0 ? -cqe.res : 0);
}

void UringWorker::on_cancel(uint32_t slot, int res) {
    Session& s = engine_->table.at(slot);
    if (res == -EINVAL && s.handle >= 0) {
        // Kernel without fd-keyed cancel: shutdown() completes the armed operations.
        shutdown(static_cast<int>(s.handle), SHUT_RDWR);
    }
    cancel_done(slot);
}

void UringWorker::os_close(Session& s) {
    close(static_cast<int>(s.handle));
    // A slot and an fd came free: if accept stopped on a full fd table, try now.
    if (accept_paused_ && !stopping()) {
        accept_paused_ = false;
        if (!accept_armed_) arm_accept();
    } else if (near_fd_limit_ && accept_armed_ && !stopping()) {
        // With the fd table full a multishot accept may sit without posting
        // anything; cancelling it gets a fresh one armed (in on_accept).
        near_fd_limit_ = false;
        cancel_accept();
    }
}

void UringWorker::os_begin_shutdown() {
    if (accept_armed_) cancel_accept();
    accept_paused_ = false;
}

bool UringWorker::os_quiesced() {
    if (accept_armed_) return false;
    if (!wake_armed_) return true;
    quiescing_ = true;
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_ASYNC_CANCEL;
    e->addr = user_data(kOpWake, 0, 0);
    e->user_data = user_data(kOpCancelMisc, 0, 0);
    return false;
}

bool UringWorker::os_tick(int64_t now) {
    if (accept_paused_ && now >= accept_resume_ms_ && !stopping()) {
        accept_paused_ = false;
        if (!accept_armed_) arm_accept();
    }
    return accept_paused_;
}

bool UringWorker::os_bind_driver(std::string* err) {
    const int rc = ring_.enable();
    if (rc < 0) {
        *err = errno_text("io_uring enable", -rc);
        return false;
    }
    return true;
}

void UringWorker::os_abandon() {
    SessionTable& table = engine_->table;
    // This worker's slots only: the others belong to workers that may still be running.
    const auto step = static_cast<uint32_t>(engine_->config.workers);
    // shutdown() first: an operation in flight holds its own reference to the socket, so close()
    // alone would leave the connection open until the ring is gone; this ends it now, for the peer
    // too, and completes whatever waits on it.
    for (uint32_t slot = index(); slot < table.capacity(); slot += step) {
        Session& s = table.at(slot);
        if (s.handle >= 0) shutdown(static_cast<int>(s.handle), SHUT_RDWR);
    }
    // Closing the ring cancels every operation. Our mapping of the provided-buffer ring would keep
    // the ring alive: it goes too (the buffers' memory stays until the destructor).
    ring_.release();
    buffers_.release_ring();
    for (uint32_t slot = index(); slot < table.capacity(); slot += step) {
        Session& s = table.at(slot);
        if (s.handle >= 0) {
            close(static_cast<int>(s.handle));
            s.handle = -1;
        }
    }
}

// The batch window in one wait: asking for a CQ-full of completions with the
// window as timeout lets the kernel gather every completion of the window
// without waking us for each (DEFER_TASKRUN counts them against min_complete),
// and submits this round's sends on the way in. Only if the window brought
// nothing does a second wait return at the first completion.
void UringWorker::os_wait(bool block, int64_t timeout_nanos, int64_t window_nanos) {
    if (take_injected_os_error()) throw EngineError(errno_text("io_uring_enter", EBADF) + " (injected by a test)");
    int erc;
    if (block && window_nanos > 0 && timeout_nanos != 0) {
        const int64_t window = timeout_nanos < 0 ? window_nanos : std::min(window_nanos, timeout_nanos);
        erc = ring_.enter(ring_.cq_entries(), window);
        if (erc >= 0 || erc == -ETIME) {
            if (ring_.ready() > 0 || !deferred_.empty() || timeout_nanos == window) return;
            erc = ring_.enter(1, timeout_nanos < 0 ? -1 : timeout_nanos - window);
        }
    } else {
        erc = ring_.enter(block ? 1 : 0, timeout_nanos);
    }
    if (erc >= 0 || erc == -ETIME) {
        transient_errors_ = 0;
    } else {
        enter_failed("io_uring_enter", erc);
    }
}

void UringWorker::os_dispatch() {
    std::vector<io_uring_cqe> deferred;
    deferred.swap(deferred_);
    for (const io_uring_cqe& c : deferred) handle(c);
    // Handlers may queue SQEs and even flush them, which can defer more CQEs;
    // those are handled on the next turn. Only the CQEs there now are reaped: a handler that
    // re-arms a receive while the buffer pool is empty gets an ENOBUFS completion at once, and
    // the pool refills only below, so reaping those as they come would never end (seen at a
    // shutdown of 11,000 lingering sessions: billions of ENOBUFS, the linger deadline never
    // checked). The rest is the next turn's (os_has_backlog).
    ring_.reap([&](const io_uring_cqe& c) { handle(c); }, ring_.ready());
    if (buffers_.ready()) buffers_.publish();  // every buffer of this batch back in one store
}

void UringWorker::handle(const io_uring_cqe& cqe) {
    const uint64_t ud = cqe.user_data;
    const Op op = op_of(ud);
    switch (op) {
        case kOpAccept: on_accept(cqe.res, cqe.flags); return;
        case kOpWake:
            wake_armed_ = false;
            // Any error but our own cancel would come back at once on every re-arm.
            if (cqe.res < 0 && cqe.res != -ECANCELED) throw EngineError(errno_text("wake-up read", -cqe.res));
            if (!quiescing_) arm_wake();
            return;
        case kOpCancelMisc: return;
        default: break;
    }
    const uint32_t slot = slot_of(ud);
    if (!session_for(slot, gen_of(ud), static_cast<unsigned>(op))) {
        // Whoever the completion was for, the pool gets its buffer back.
        if (op == kOpRecv && buffers_.ready() && (cqe.flags & IORING_CQE_F_BUFFER)) {
            buffers_.recycle(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
        }
        return;
    }
    switch (op) {
        case kOpRecv:
            if (buffers_.ready()) {
                on_multishot_recv(slot, cqe);
            } else {
                recv_done(slot, cqe.res >= 0, cqe.res > 0 ? static_cast<size_t>(cqe.res) : 0, -cqe.res);
            }
            break;
        case kOpSend: send_done(slot, cqe.res >= 0, cqe.res > 0 ? static_cast<size_t>(cqe.res) : 0, -cqe.res); break;
        case kOpCancel: on_cancel(slot, cqe.res); break;
        default: break;
    }
}

bool UringEngine::open_listener(const char* host, int32_t port, int32_t* bound_port, std::string* err) {
    addrinfo hints;
    std::memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    const int gai = getaddrinfo(host && *host ? host : nullptr, service.c_str(), &hints, &res);
    if (gai != 0) {
        *err = std::string("cannot resolve ") + (host ? host : "") + ": " + gai_strerror(gai);
        return false;
    }
    const int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = errno_text("socket", errno);
        freeaddrinfo(res);
        return false;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        const int saved = errno;
        *err = errno_text(("bind " + std::string(host ? host : "") + ":" + service).c_str(), saved);
        close(fd);
        freeaddrinfo(res);
        return false;
    }
    freeaddrinfo(res);
    sockaddr_storage bound;
    socklen_t len = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    *bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                                              : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
    listen_fd = fd;
    return true;
}

void UringEngine::await_events(int64_t timeout_nanos) {
    pollfd p{events_fd, POLLIN, 0};
    timespec ts{static_cast<time_t>(timeout_nanos / 1000000000), static_cast<long>(timeout_nanos % 1000000000)};
    if (ppoll(&p, 1, &ts, nullptr) > 0) {
        uint64_t v;
        if (read(events_fd, &v, sizeof v) < 0) {
            // EAGAIN: another reader took it; nothing else can fail on an eventfd.
        }
    }
}

}  // namespace

std::unique_ptr<EngineCore> create_os_engine(const gp_engine_config& config, void* ev, int32_t ev_cap, void* rq,
                                             int32_t rq_cap, std::string* err) {
    auto engine = std::make_unique<UringEngine>(config, ev, ev_cap, rq, rq_cap);
    engine->events_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (engine->events_fd < 0) {
        *err = errno_text("eventfd", errno);
        return nullptr;
    }
    engine->workers.reserve(static_cast<size_t>(engine->config.workers));
    for (int32_t i = 0; i < engine->config.workers; i++) {
        auto w = std::make_unique<UringWorker>(engine.get(), static_cast<uint32_t>(i));
        if (!w->init_wake(err) || !w->init_inbox(err)) return nullptr;
        engine->workers.push_back(std::move(w));
    }
    return engine;
}

int probe_os(std::string* err) { return Uring::probe(err) != 0 ? -1 : 0; }

}  // namespace gameport
