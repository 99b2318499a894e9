// The Linux backend of engine.h: one io_uring per worker thread, raw syscalls.
// Common logic lives elsewhere (ring.h, framing.h, session_table.h); what is
// here is the io_uring/socket plumbing and the per-session state machine that
// drives it.
//
// Threads and ownership:
//  - The game thread writes the requests ring and consumes the events ring.
//  - Worker 0 is the requests ring's only consumer. A request for a slot owned
//    by worker k > 0 is copied into worker k's private inbox ring (same ring
//    code, native memory), so each session is touched by its own worker only
//    and SINGLE_ISSUER holds.
//  - Every worker produces into the events ring (many-to-one, CAS on tail).
//
// Wake-ups (never per packet): a worker that runs out of work announces its
// sleep on its inbox (Ring::prepare_to_sleep) and blocks in io_uring_enter with
// a read of its eventfd armed; whoever publishes into that inbox writes the
// eventfd only if Ring::consumer_needs_wake() says so. After each completion
// batch a worker that published events does the same toward the game thread.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <condition_variable>
#include <vector>

#include "engine.h"
#include "framing.h"
#include "latency.h"
#include "ring.h"
#include "session_table.h"
#include "uring.h"

namespace gameport {
namespace {

// CloseReason.java codes.
enum : int32_t {
    kPeerClosed = 0,
    kProtocolError = 1,
    kSlowConsumer = 2,
    kIoError = 3,
    kServerShutdown = 6,
};

// user_data = generation << 32 | op << 24 | slot: a completion names its
// session's generation, so one that arrives after the slot was reused misses.
enum Op : uint64_t { kOpAccept = 1, kOpRecv, kOpSend, kOpCancel, kOpWake, kOpCancelMisc };
constexpr uint32_t kMaxSlots = 1u << 24;
constexpr uint64_t user_data(Op op, uint32_t slot, uint32_t generation) {
    return (static_cast<uint64_t>(generation) << 32) | (static_cast<uint64_t>(op) << 24) | slot;
}
constexpr Op op_of(uint64_t ud) { return static_cast<Op>((ud >> 24) & 0xff); }
constexpr uint32_t slot_of(uint64_t ud) { return static_cast<uint32_t>(ud & (kMaxSlots - 1)); }
constexpr uint32_t gen_of(uint64_t ud) { return static_cast<uint32_t>(ud >> 32); }

constexpr int64_t kRetryNanos = 1'000'000;        // event ring full: look again in 1 ms
constexpr int64_t kAcceptPauseMs = 100;           // fd table full: accept again after this
constexpr int64_t kLingerMs = 2000;               // CLOSE with queued bytes: flush for at most this
constexpr int64_t kShutdownPublishMs = 1000;      // stop(): try to deliver CLOSED for this long
constexpr int kRequestsPerDrain = 4096;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void log_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_line(const char* fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[gameport-native] %s\n", line);
}

void copy_err(char* err, size_t len, const std::string& msg) {
    if (err && len) snprintf(err, len, "%s", msg.c_str());
}

std::string errno_text(const char* what, int e) { return std::string(what) + ": " + strerror(e); }

std::string format_peer(const sockaddr_storage& ss) {
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss.ss_family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
        inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
        port = ntohs(a.sin_port);
        return std::string(ip) + ":" + std::to_string(port);
    }
    if (ss.ss_family == AF_INET6) {
        const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
        port = ntohs(a.sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&a.sin6_addr)) {
            inet_ntop(AF_INET, &a.sin6_addr.s6_addr[12], ip, sizeof ip);
            return std::string(ip) + ":" + std::to_string(port);
        }
        inet_ntop(AF_INET6, &a.sin6_addr, ip, sizeof ip);
        return "[" + std::string(ip) + "]:" + std::to_string(port);
    }
    return "?:0";
}

struct Engine;

class Worker {
public:
    Worker(Engine* engine, uint32_t index);
    ~Worker();
    bool init_wake(std::string* err);
    void run();

    uint32_t index_;
    int wake_fd_ = -1;
    Ring inbox_;
    void* inbox_memory_ = nullptr;  // owned when index_ > 0
    std::thread thread_;

    // Start-up hand-shake with gp_engine_start (the ring is created on the worker thread).
    std::mutex start_mutex_;
    std::condition_variable start_cv_;
    int start_state_ = 0;  // 0 pending, 1 ok, -1 failed
    std::string start_error_;
    const char* ring_mode_ = "";

    // Request -> send-completed, us. Written by this worker only; read by
    // gp_engine_send_latency_counts on any thread (latency::Histogram says how).
    latency::Histogram send_latency_;

private:
    io_uring_sqe* sqe();
    void flush_submissions();
    void handle(const io_uring_cqe& cqe);
    bool drain_inbox();
    bool handle_request(int32_t type, int64_t session, int64_t timestamp, const uint8_t* payload, int32_t length);
    void process_retries();
    void process_lingering(int64_t now);
    void arm_wake();
    void arm_accept();
    void cancel_accept();
    void on_accept(int res, uint32_t flags);
    void on_recv(uint32_t slot, int res);
    void on_send(uint32_t slot, int res);
    void on_cancel(uint32_t slot, int res);
    void submit_recv(uint32_t slot);
    void submit_send(uint32_t slot);
    void flush_dirty_sends();
    enum class Publish { kDone, kBlocked, kBad };
    Publish publish_packets(Session& s, uint32_t slot, std::string* reason);
    void after_receive(uint32_t slot);
    void begin_teardown(uint32_t slot);
    void maybe_finish(uint32_t slot);
    void add_retry(uint32_t slot);
    void begin_shutdown();
    void fd_closed();
    void wake_game_if_published();

    Engine* engine_;
    Uring ring_;
    uint64_t wake_buffer_ = 0;  // target of the armed eventfd read; lives as long as the ring
    bool wake_armed_ = false;
    bool accept_armed_ = false;
    bool accept_paused_ = false;
    bool accept_error_logged_ = false;
    int64_t table_full_log_ms_ = 0;
    bool near_fd_limit_ = false;
    int64_t accept_resume_ms_ = 0;
    bool stopping_ = false;
    int64_t stop_deadline_ms_ = 0;
    bool published_events_ = false;
    bool inbox_blocked_ = false;
    uint64_t dropped_closed_ = 0;
    int fd_limit_ = 0;
    std::vector<uint32_t> retry_;
    std::vector<uint32_t> lingering_;
    std::vector<uint32_t> dirty_;
    std::vector<io_uring_cqe> deferred_;
    std::vector<uint8_t> send_dirty_;  // per slot, indexed by slot
    std::vector<bool> touched_workers_;
};

struct Engine {
    gp_engine_config config;
    Ring events;
    Ring requests;
    SessionTable table;
    std::vector<std::unique_ptr<Worker>> workers;
    int listen_fd = -1;
    int events_fd = -1;  // the game thread sleeps on it
    std::atomic<bool> stop{false};
    bool started = false;
    bool stopped = false;
    std::mutex lifecycle;
    std::string description;

    Engine(const gp_engine_config& c, void* ev, int32_t ev_cap, void* rq, int32_t rq_cap)
        : config(c), events(ev, ev_cap), requests(rq, rq_cap),
          table(static_cast<uint32_t>(c.max_sessions), static_cast<uint32_t>(c.workers)) {}

    void wake_game() {
        const uint64_t one = 1;
        // A failed write can only mean the counter is saturated: the game is awake anyway.
        if (write(events_fd, &one, sizeof one) < 0) {
        }
    }
};

void wake_fd(int fd) {
    const uint64_t one = 1;
    if (write(fd, &one, sizeof one) < 0) {
    }
}

Worker::Worker(Engine* engine, uint32_t index) : index_(index), engine_(engine) {
    send_dirty_.assign(engine->table.capacity(), 0);
    touched_workers_.assign(static_cast<size_t>(engine->config.workers), false);
}

Worker::~Worker() {
    if (wake_fd_ >= 0) close(wake_fd_);
    std::free(inbox_memory_);
}

bool Worker::init_wake(std::string* err) {
    // Blocking on purpose: io_uring answers a read of an O_NONBLOCK file with
    // -EAGAIN instead of waiting for it.
    wake_fd_ = eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        *err = errno_text("eventfd", errno);
        return false;
    }
    if (index_ == 0) {
        inbox_ = engine_->requests;
    } else {
        const int32_t cap = engine_->requests.capacity();
        const size_t bytes = static_cast<size_t>(cap) + ringlayout::kTrailerLength;
        inbox_memory_ = std::aligned_alloc(ringlayout::kCacheLine, bytes);
        if (!inbox_memory_) {
            *err = "out of memory for a worker inbox";
            return false;
        }
        std::memset(inbox_memory_, 0, bytes);
        inbox_ = Ring(inbox_memory_, cap);
    }
    return true;
}

io_uring_sqe* Worker::sqe() {
    for (;;) {
        if (io_uring_sqe* e = ring_.get_sqe()) return e;
        flush_submissions();
    }
}

// SQ full: submit without waiting. If the CQ backlog makes the kernel refuse
// (-EBUSY), completions are copied aside and handled by the main loop, so no
// handler ever runs inside another.
void Worker::flush_submissions() {
    for (;;) {
        const int rc = ring_.enter(0, -1);
        if (rc >= 0 || (rc != -EBUSY && rc != -EAGAIN && rc != -EINTR)) return;
        ring_.reap([&](const io_uring_cqe& c) { deferred_.push_back(c); });
    }
}

void Worker::arm_wake() {
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_READ;
    e->fd = wake_fd_;
    e->addr = reinterpret_cast<uint64_t>(&wake_buffer_);
    e->len = sizeof wake_buffer_;
    e->user_data = user_data(kOpWake, 0, 0);
    wake_armed_ = true;
}

void Worker::arm_accept() {
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_ACCEPT;
    e->fd = engine_->listen_fd;
    e->ioprio = IORING_ACCEPT_MULTISHOT;
    e->accept_flags = SOCK_CLOEXEC;
    e->user_data = user_data(kOpAccept, 0, 0);
    accept_armed_ = true;
}

void Worker::cancel_accept() {
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_ASYNC_CANCEL;
    e->addr = user_data(kOpAccept, 0, 0);
    e->user_data = user_data(kOpCancelMisc, 0, 0);
}

void Worker::wake_game_if_published() {
    if (!published_events_) return;
    published_events_ = false;
    if (engine_->events.consumer_needs_wake()) engine_->wake_game();
}

void Worker::fd_closed() {
    // A slot and an fd came free: if accept stopped on a full fd table, try now.
    if (accept_paused_ && !stopping_) {
        accept_paused_ = false;
        if (!accept_armed_) arm_accept();
    } else if (near_fd_limit_ && accept_armed_ && !stopping_) {
        // With the fd table full a multishot accept may sit without posting
        // anything; cancelling it gets a fresh one armed (in on_accept).
        near_fd_limit_ = false;
        cancel_accept();
    }
}

void Worker::on_accept(int res, uint32_t flags) {
    if (!(flags & IORING_CQE_F_MORE)) accept_armed_ = false;
    if (res >= 0) {
        const int fd = res;
        accept_error_logged_ = false;
        if (fd >= fd_limit_ - 8) near_fd_limit_ = true;
        const uint32_t slot = stopping_ ? UINT32_MAX : engine_->table.acquire(index_);
        if (slot == UINT32_MAX) {
            close(fd);  // table full (or stopping): the game never hears of it
            if (!stopping_ && now_ms() >= table_full_log_ms_) {
                table_full_log_ms_ = now_ms() + 10'000;  // at most one line per 10 s
                log_line("worker %u: session table full (%d slots): connections refused", index_,
                         engine_->config.max_sessions);
            }
        } else {
            Session& s = engine_->table.at(slot);
            s.state = SessionState::kOpen;
            s.handle = fd;
            const int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            sockaddr_storage ss;
            socklen_t len = sizeof ss;
            std::memset(&ss, 0, sizeof ss);
            getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len);
            s.peer = format_peer(ss);
            after_receive(slot);  // publishes ACCEPTED, then arms the first receive
        }
    } else if (res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM) {
        if (!accept_error_logged_) {
            log_line("worker %u: accept: %s; pausing accept until a session ends", index_, strerror(-res));
            accept_error_logged_ = true;  // once per episode: an accepted connection ends it
        }
        accept_paused_ = true;
        accept_resume_ms_ = now_ms() + kAcceptPauseMs;
        if (accept_armed_) cancel_accept();
        return;
    }
    // Other errors (ECONNABORTED, ECANCELED from our own cancel) end only this shot.
    if (!accept_armed_ && !accept_paused_ && !stopping_) arm_accept();
}

// After bytes arrive (or at accept, or on retry): publish what can be
// published, then either re-arm the receive or wait for ring room.
void Worker::after_receive(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (s.state != SessionState::kOpen) return;
    if (!s.accepted_published) {
        if (!engine_->events.write(ringlayout::kEventAccepted, engine_->table.handle_of(slot), s.peer.data(),
                                   static_cast<int32_t>(s.peer.size()))) {
            add_retry(slot);
            return;
        }
        s.accepted_published = true;
        published_events_ = true;
    }
    std::string reason;
    switch (publish_packets(s, slot, &reason)) {
        case Publish::kDone:
            if (!s.recv_inflight) submit_recv(slot);
            break;
        case Publish::kBlocked:
            add_retry(slot);  // no receive armed: the socket buffer fills and TCP pushes back
            break;
        case Publish::kBad:
            s.set_reason(kProtocolError, reason);
            s.recv->discard_rest();
            begin_teardown(slot);
            break;
    }
}

Worker::Publish Worker::publish_packets(Session& s, uint32_t slot, std::string* reason) {
    if (!s.recv) return Publish::kDone;
    RecvBuffer& rb = *s.recv;
    for (;;) {
        size_t size = 0;
        switch (rb.next(&size, reason)) {
            case RecvBuffer::Next::kNeedMore: return Publish::kDone;
            case RecvBuffer::Next::kBad: return Publish::kBad;
            case RecvBuffer::Next::kPacket:
                if (!engine_->events.write(ringlayout::kEventPacket, engine_->table.handle_of(slot), rb.front(),
                                           static_cast<int32_t>(size))) {
                    return Publish::kBlocked;
                }
                published_events_ = true;
                rb.consume(size);
                break;
        }
    }
}

void Worker::submit_recv(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (!s.recv) s.recv = std::make_unique<RecvBuffer>();
    s.recv->compact();
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_RECV;
    e->fd = static_cast<int>(s.handle);
    e->addr = reinterpret_cast<uint64_t>(s.recv->write_ptr());
    e->len = static_cast<uint32_t>(s.recv->write_space());
    e->user_data = user_data(kOpRecv, slot, s.generation);
    s.recv_inflight = true;
}

void Worker::on_recv(uint32_t slot, int res) {
    Session& s = engine_->table.at(slot);
    s.recv_inflight = false;
    if (s.state == SessionState::kClosing) {
        maybe_finish(slot);
        return;
    }
    if (res <= 0) {
        if (res == 0) {
            s.set_reason(kPeerClosed, "peer closed the connection");
        } else {
            s.set_reason(kIoError, errno_text("recv", -res));
        }
        begin_teardown(slot);
        return;
    }
    if (s.state == SessionState::kLinger) {
        // The game asked to close: what the client still sends is not wanted.
        s.recv->discard_rest();
        submit_recv(slot);
        return;
    }
    s.recv->commit(static_cast<size_t>(res));
    after_receive(slot);
}

void Worker::submit_send(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    const uint8_t* data;
    size_t n;
    if (s.send_inflight || !s.sends.start(&data, &n)) return;
    io_uring_sqe* e = sqe();
    e->opcode = IORING_OP_SEND;
    e->fd = static_cast<int>(s.handle);
    e->addr = reinterpret_cast<uint64_t>(data);
    e->len = static_cast<uint32_t>(std::min<size_t>(n, 1u << 30));
    e->msg_flags = MSG_NOSIGNAL;
    e->user_data = user_data(kOpSend, slot, s.generation);
    s.send_inflight = true;
}

void Worker::on_send(uint32_t slot, int res) {
    Session& s = engine_->table.at(slot);
    s.send_inflight = false;
    int64_t oldest = 0;
    // Counted even when the session is closing: these bytes did reach the socket.
    if (const uint32_t done = s.sends.completed(res > 0 ? static_cast<size_t>(res) : 0, &oldest)) {
        send_latency_.record(latency::micros_between(oldest, monotonic_nanos()), done);
    }
    if (s.state == SessionState::kClosing) {
        maybe_finish(slot);
        return;
    }
    if (res < 0) {
        s.set_reason(kIoError, errno_text("send", -res));
        begin_teardown(slot);
        return;
    }
    submit_send(slot);  // a short send's rest, or what queued meanwhile
    if (s.state == SessionState::kLinger && !s.send_inflight) {
        shutdown(static_cast<int>(s.handle), SHUT_WR);  // FIN after the last byte
        begin_teardown(slot);
    }
}

void Worker::begin_teardown(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (s.state == SessionState::kClosing || s.state == SessionState::kFree) return;
    s.state = SessionState::kClosing;
    if (s.recv_inflight || s.send_inflight) {
        // close() does not cancel armed operations (they would go on with a
        // reused fd number): cancel everything on the fd, close after the last
        // completion (maybe_finish).
        io_uring_sqe* e = sqe();
        e->opcode = IORING_OP_ASYNC_CANCEL;
        e->fd = static_cast<int>(s.handle);
        e->cancel_flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
        e->user_data = user_data(kOpCancel, slot, s.generation);
        s.cancel_inflight = true;
    }
    maybe_finish(slot);
}

void Worker::on_cancel(uint32_t slot, int res) {
    Session& s = engine_->table.at(slot);
    s.cancel_inflight = false;
    if (res == -EINVAL && s.handle >= 0) {
        // Kernel without fd-keyed cancel: shutdown() completes the armed operations.
        shutdown(static_cast<int>(s.handle), SHUT_RDWR);
    }
    maybe_finish(slot);
}

void Worker::maybe_finish(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (s.state != SessionState::kClosing || s.recv_inflight || s.send_inflight || s.cancel_inflight) return;
    if (s.handle >= 0) {
        close(static_cast<int>(s.handle));
        s.handle = -1;
        fd_closed();
    }
    if (s.accepted_published) {
        // CLOSED is the session's last event: packets cut before the end go first.
        std::string ignored;
        Publish p = publish_packets(s, slot, &ignored);
        if (p == Publish::kBad) {
            s.recv->discard_rest();
            p = Publish::kDone;
        }
        if (p == Publish::kDone) {
            const int32_t room = engine_->events.max_payload() - 4;
            const int32_t text_len = std::min<int32_t>(static_cast<int32_t>(s.close_text.size()), room);
            if (engine_->events.write_with_code(ringlayout::kEventClosed, engine_->table.handle_of(slot),
                                                s.close_code, s.close_text.data(), text_len)) {
                published_events_ = true;
                engine_->table.release(slot);
                return;
            }
        }
        if (!stopping_ || now_ms() < stop_deadline_ms_) {
            add_retry(slot);
            return;
        }
        dropped_closed_++;  // stopping and nobody drains the ring any more
    }
    engine_->table.release(slot);
}

void Worker::add_retry(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (s.on_retry_list) return;
    s.on_retry_list = true;
    retry_.push_back(slot);
}

void Worker::process_retries() {
    if (retry_.empty()) return;
    std::vector<uint32_t> todo;
    todo.swap(retry_);
    for (uint32_t slot : todo) {
        Session& s = engine_->table.at(slot);
        s.on_retry_list = false;
        if (s.state == SessionState::kOpen) {
            after_receive(slot);
        } else if (s.state == SessionState::kClosing) {
            maybe_finish(slot);
        }
    }
}

void Worker::process_lingering(int64_t now) {
    if (lingering_.empty()) return;
    size_t keep = 0;
    for (uint32_t slot : lingering_) {
        Session& s = engine_->table.at(slot);
        if (s.state != SessionState::kLinger) continue;
        if (now >= s.linger_deadline_ms || stopping_) {
            begin_teardown(slot);
        } else {
            lingering_[keep++] = slot;
        }
    }
    lingering_.resize(keep);
}

bool Worker::handle_request(int32_t type, int64_t session, int64_t timestamp, const uint8_t* payload,
                            int32_t length) {
    const uint32_t slot = session_slot(session);
    SessionTable& table = engine_->table;
    if (slot >= table.capacity()) return true;  // garbage: nothing to do
    const uint32_t owner = table.worker_of(slot);
    if (owner != index_) {
        // Only worker 0 gets here (it alone reads the requests ring).
        Worker& w = *engine_->workers[owner];
        // The original stamp goes along: the hop through the inbox is part of the latency.
        if (!w.inbox_.write_with_timestamp(type, session, timestamp, payload, length)) {
            inbox_blocked_ = true;
            return false;  // stays in the requests ring; retried after a pause
        }
        touched_workers_[owner] = true;
        return true;
    }
    Session* s = table.find(session);
    // Stale generation, or a session already closing: its CLOSED is on the way.
    if (!s || s->state != SessionState::kOpen) return true;
    if (type == ringlayout::kRequestSend) {
        s->sends.append(payload, static_cast<size_t>(length), timestamp);
        const size_t queued = s->sends.queued();
        if (queued > static_cast<size_t>(engine_->config.max_pending_bytes)) {
            s->set_reason(kSlowConsumer, std::to_string(queued) + " bytes queued > max " +
                                             std::to_string(engine_->config.max_pending_bytes));
            begin_teardown(slot);
        } else if (!send_dirty_[slot]) {
            send_dirty_[slot] = 1;
            dirty_.push_back(slot);
        }
    } else if (type == ringlayout::kRequestClose) {
        int32_t code = kIoError;
        std::string text;
        if (length >= 4) {
            std::memcpy(&code, payload, 4);
            text.assign(reinterpret_cast<const char*>(payload) + 4, static_cast<size_t>(length - 4));
        }
        s->set_reason(code, std::move(text));
        if (s->sends.queued() > 0) {
            s->state = SessionState::kLinger;
            s->linger_deadline_ms = now_ms() + kLingerMs;
            lingering_.push_back(slot);
            if (!send_dirty_[slot]) {
                send_dirty_[slot] = 1;
                dirty_.push_back(slot);
            }
        } else {
            begin_teardown(slot);
        }
    }
    return true;
}

void Worker::flush_dirty_sends() {
    for (uint32_t slot : dirty_) {
        send_dirty_[slot] = 0;
        Session& s = engine_->table.at(slot);
        if (s.state == SessionState::kOpen || s.state == SessionState::kLinger) {
            submit_send(slot);
            if (s.state == SessionState::kLinger && !s.send_inflight && s.sends.queued() == 0) {
                begin_teardown(slot);
            }
        }
    }
    dirty_.clear();
}

bool Worker::drain_inbox() {
    inbox_blocked_ = false;
    const int n = inbox_.read(
        [&](int32_t type, int64_t session, int64_t timestamp, const uint8_t* payload, int32_t length) {
            return handle_request(type, session, timestamp, payload, length);
        },
        kRequestsPerDrain);
    flush_dirty_sends();
    if (index_ == 0) {
        for (size_t k = 1; k < touched_workers_.size(); k++) {
            if (!touched_workers_[k]) continue;
            touched_workers_[k] = false;
            Worker& w = *engine_->workers[k];
            if (w.inbox_.consumer_needs_wake()) wake_fd(w.wake_fd_);
        }
    }
    return n > 0;
}

void Worker::handle(const io_uring_cqe& cqe) {
    const uint64_t ud = cqe.user_data;
    const Op op = op_of(ud);
    switch (op) {
        case kOpAccept: on_accept(cqe.res, cqe.flags); return;
        case kOpWake:
            wake_armed_ = false;
            if (!stopping_) arm_wake();
            return;
        case kOpCancelMisc: return;
        default: break;
    }
    const uint32_t slot = slot_of(ud);
    if (slot >= engine_->table.capacity()) return;
    Session& s = engine_->table.at(slot);
    // Every operation completes before its slot is released, so this only
    // guards against a logic error turning into a write into a stranger's session.
    if (s.state == SessionState::kFree || s.generation != gen_of(ud)) {
        log_line("worker %u: completion for a stale session (slot %u op %u) ignored", index_, slot,
                 static_cast<unsigned>(op));
        return;
    }
    switch (op) {
        case kOpRecv: on_recv(slot, cqe.res); break;
        case kOpSend: on_send(slot, cqe.res); break;
        case kOpCancel: on_cancel(slot, cqe.res); break;
        default: break;
    }
}

void Worker::begin_shutdown() {
    stopping_ = true;
    stop_deadline_ms_ = now_ms() + kShutdownPublishMs;
    if (accept_armed_) cancel_accept();
    accept_paused_ = false;
    SessionTable& table = engine_->table;
    for (uint32_t slot = index_; slot < table.capacity(); slot += static_cast<uint32_t>(engine_->config.workers)) {
        Session& s = table.at(slot);
        if (s.state == SessionState::kOpen || s.state == SessionState::kLinger) {
            s.set_reason(kServerShutdown, "server shutdown");
            begin_teardown(slot);
        }
    }
}

void Worker::run() {
    std::string err;
    const uint32_t per_worker = engine_->table.capacity() / static_cast<uint32_t>(engine_->config.workers) + 1;
    // Each live session has at most recv + send + cancel outstanding.
    const uint64_t cq = std::min<uint64_t>(65536, 4ull * per_worker + 1024);
    const int rc = ring_.init(1024, static_cast<unsigned>(cq), &err);
    {
        std::lock_guard<std::mutex> lock(start_mutex_);
        start_state_ = rc == 0 ? 1 : -1;
        start_error_ = err;
        ring_mode_ = ring_.mode();
    }
    start_cv_.notify_all();
    if (rc != 0) return;
    rlimit rl;
    fd_limit_ = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 30) ? static_cast<int>(rl.rlim_cur)
                                                                                : (1 << 30);

    arm_wake();
    arm_accept();
    for (;;) {
        if (!stopping_ && engine_->stop.load(std::memory_order_acquire)) begin_shutdown();
        if (stopping_ && engine_->table.live(index_) == 0 && !accept_armed_) {
            if (!wake_armed_) break;
            io_uring_sqe* e = sqe();
            e->opcode = IORING_OP_ASYNC_CANCEL;
            e->addr = user_data(kOpWake, 0, 0);
            e->user_data = user_data(kOpCancelMisc, 0, 0);
        }

        bool busy = false;
        if (!stopping_) busy = drain_inbox();
        process_retries();
        const int64_t now = now_ms();
        process_lingering(now);
        if (accept_paused_ && now >= accept_resume_ms_ && !stopping_) {
            accept_paused_ = false;
            if (!accept_armed_) arm_accept();
        }

        int64_t timeout = -1;
        if (!retry_.empty() || inbox_blocked_) timeout = kRetryNanos;
        if (!lingering_.empty() || accept_paused_ || stopping_) {
            timeout = timeout < 0 ? 50'000'000 : std::min<int64_t>(timeout, 50'000'000);
        }
        // The game must hear of events published above before we block.
        wake_game_if_published();
        unsigned wait = 0;
        bool announced = false;
        if (!busy && deferred_.empty()) {
            if (stopping_ || inbox_.prepare_to_sleep()) {
                wait = 1;
                announced = !stopping_;
            }
        }
        const int erc = ring_.enter(wait, timeout);
        if (announced) inbox_.awake();
        if (erc < 0 && erc != -ETIME && erc != -EINTR && erc != -EBUSY && erc != -EAGAIN) {
            log_line("worker %u: io_uring_enter: %s", index_, strerror(-erc));
        }

        std::vector<io_uring_cqe> deferred;
        deferred.swap(deferred_);
        for (const io_uring_cqe& c : deferred) handle(c);
        // Handlers may queue SQEs and even flush them, which can defer more CQEs;
        // those are handled on the next turn.
        ring_.reap([&](const io_uring_cqe& c) { handle(c); });
        wake_game_if_published();  // once per completion batch, never per packet
    }
    if (dropped_closed_) log_line("worker %u: %llu CLOSED events dropped at shutdown (event ring full)", index_,
                                  static_cast<unsigned long long>(dropped_closed_));
}

}  // namespace
}  // namespace gameport

using gameport::Engine;
using gameport::Ring;
using gameport::Worker;

struct gp_engine {
    std::unique_ptr<Engine> impl;
};

extern "C" {

gp_engine* gp_engine_create(const gp_engine_config* config, void* events_memory, int32_t events_capacity,
                            void* requests_memory, int32_t requests_capacity, char* err, size_t err_len) {
    if (!config || config->workers < 1 || config->workers > 64) {
        gameport::copy_err(err, err_len, "workers must be 1..64");
        return nullptr;
    }
    if (config->max_sessions < 1 || static_cast<uint32_t>(config->max_sessions) > gameport::kMaxSlots) {
        gameport::copy_err(err, err_len, "max sessions must be 1..16777216");
        return nullptr;
    }
    if (config->max_pending_bytes < 1) {
        gameport::copy_err(err, err_len, "max pending bytes must be >= 1");
        return nullptr;
    }
    if (!events_memory || !requests_memory || !Ring::valid_capacity(events_capacity) ||
        !Ring::valid_capacity(requests_capacity)) {
        gameport::copy_err(err, err_len, "ring memory missing or capacity not a power of two >= 4096");
        return nullptr;
    }
    if ((reinterpret_cast<uintptr_t>(events_memory) | reinterpret_cast<uintptr_t>(requests_memory)) & 7) {
        gameport::copy_err(err, err_len, "ring memory must be 8-byte aligned");
        return nullptr;
    }
    auto engine = std::make_unique<Engine>(*config, events_memory, events_capacity, requests_memory,
                                           requests_capacity);
    engine->events_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (engine->events_fd < 0) {
        gameport::copy_err(err, err_len, gameport::errno_text("eventfd", errno));
        return nullptr;
    }
    engine->workers.reserve(static_cast<size_t>(config->workers));
    for (int32_t i = 0; i < config->workers; i++) {
        engine->workers.push_back(std::make_unique<Worker>(engine.get(), static_cast<uint32_t>(i)));
        std::string e;
        if (!engine->workers.back()->init_wake(&e)) {
            close(engine->events_fd);
            gameport::copy_err(err, err_len, e);
            return nullptr;
        }
    }
    auto* handle = new gp_engine;
    handle->impl = std::move(engine);
    return handle;
}

int32_t gp_engine_start(gp_engine* h, const char* host, int32_t port, char* err, size_t err_len) {
    Engine& e = *h->impl;
    std::lock_guard<std::mutex> lock(e.lifecycle);
    if (e.started) {
        gameport::copy_err(err, err_len, "engine already started");
        return -1;
    }
    e.started = true;

    addrinfo hints;
    std::memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    const int gai = getaddrinfo(host && *host ? host : nullptr, service.c_str(), &hints, &res);
    if (gai != 0) {
        gameport::copy_err(err, err_len, std::string("cannot resolve ") + (host ? host : "") + ": " + gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        gameport::copy_err(err, err_len, gameport::errno_text("socket", errno));
        freeaddrinfo(res);
        return -1;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        const int saved = errno;
        gameport::copy_err(err, err_len, gameport::errno_text(("bind " + std::string(host ? host : "") + ":" + service).c_str(), saved));
        close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    sockaddr_storage bound;
    socklen_t len = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    const int bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                                                       : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
    e.listen_fd = fd;

    std::string failure;
    for (auto& w : e.workers) {
        Worker* wp = w.get();
        wp->thread_ = std::thread([wp] { wp->run(); });
        std::unique_lock<std::mutex> wl(wp->start_mutex_);
        wp->start_cv_.wait(wl, [wp] { return wp->start_state_ != 0; });
        if (wp->start_state_ < 0 && failure.empty()) failure = wp->start_error_;
        if (wp->start_state_ < 0) break;
    }
    if (!failure.empty()) {
        e.stop.store(true, std::memory_order_release);
        for (auto& w : e.workers) {
            gameport::wake_fd(w->wake_fd_);
            if (w->thread_.joinable()) w->thread_.join();
        }
        close(e.listen_fd);
        e.listen_fd = -1;
        e.stopped = true;
        gameport::copy_err(err, err_len, failure);
        return -1;
    }
    e.description = std::string("io_uring (") + e.workers[0]->ring_mode_ + "), " +
                    std::to_string(e.workers.size()) + " worker(s)";
    return bound_port;
}

void gp_engine_wake_requests(gp_engine* h) { gameport::wake_fd(h->impl->workers[0]->wake_fd_); }

void gp_engine_await_events(gp_engine* h, int64_t timeout_nanos) {
    Engine& e = *h->impl;
    if (timeout_nanos < 0) timeout_nanos = 0;
    pollfd p{e.events_fd, POLLIN, 0};
    timespec ts{static_cast<time_t>(timeout_nanos / 1000000000), static_cast<long>(timeout_nanos % 1000000000)};
    if (ppoll(&p, 1, &ts, nullptr) > 0) {
        uint64_t v;
        if (read(e.events_fd, &v, sizeof v) < 0) {
            // EAGAIN: another reader took it; nothing else can fail on an eventfd.
        }
    }
}

void gp_engine_stop(gp_engine* h) {
    Engine& e = *h->impl;
    std::lock_guard<std::mutex> lock(e.lifecycle);
    if (e.stopped) return;
    e.stopped = true;
    e.stop.store(true, std::memory_order_release);
    for (auto& w : e.workers) {
        gameport::wake_fd(w->wake_fd_);
    }
    for (auto& w : e.workers) {
        if (w->thread_.joinable()) w->thread_.join();
    }
    if (e.listen_fd >= 0) close(e.listen_fd);
    e.listen_fd = -1;
    // A game thread blocked in await_events should notice the stop promptly.
    e.wake_game();
}

void gp_engine_destroy(gp_engine* h) {
    if (!h) return;
    gp_engine_stop(h);
    Engine& e = *h->impl;
    e.workers.clear();
    if (e.events_fd >= 0) close(e.events_fd);
    delete h;
}

int32_t gp_engine_probe(char* err, size_t err_len) {
    std::string e;
    if (gameport::Uring::probe(&e) != 0) {
        gameport::copy_err(err, err_len, e);
        return -1;
    }
    return 0;
}

const char* gp_engine_describe(gp_engine* h) { return h->impl->description.c_str(); }

int32_t gp_engine_send_latency_counts(gp_engine* h, int64_t* out, int32_t n) {
    if (out && n > 0) {
        std::fill(out, out + std::min(n, GP_SEND_LATENCY_BUCKETS), int64_t{0});
        // The workers vector is fixed from create to destroy; each histogram
        // tolerates this concurrent read (see latency::Histogram).
        for (const auto& w : h->impl->workers) w->send_latency_.add_to(out, n);
    }
    return GP_SEND_LATENCY_BUCKETS;
}

}  // extern "C"
