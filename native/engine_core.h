// What every backend of engine.h shares: the engine's shared state and
// lifecycle (EngineCore) and one worker's session state machine (WorkerCore).
// No OS calls here. A backend (uring_engine.cpp, iocp_engine.cpp) derives from
// both and supplies only the OS operations: the virtual os_* hooks and the
// EngineCore pure virtuals, plus create_os_engine() and probe_os().
//
// Threads and ownership (the same on every platform):
//  - The game thread writes the requests ring and consumes the events ring.
//  - Inline I/O (config.workers == 0, the default of the server): there is one
//    WorkerCore and no thread of its own. The game thread drives it through
//    EngineCore::poll once per round, so it is the requests ring's consumer and
//    the events ring's producer itself, and nothing below about wake-ups
//    applies: no I/O ever wakes a thread. The first poll binds the driver
//    (io_uring's SINGLE_ISSUER); stop() must come from that thread too.
//  - Either way, a thread of the caller's own (Engine.post, the database worker) may write
//    records into the events ring too and end the game thread's wait with gp_engine_wake_game:
//    inline, that is worker 0's wake(), which the driver's OS wait always includes.
//  - Worker threads (config.workers >= 1): worker 0 is the requests ring's only consumer. A request for a slot owned
//    by worker k > 0 is copied into worker k's private inbox ring (same ring
//    code, native memory), so each session is touched by its own worker only
//    and the session table needs no locks.
//  - Every worker produces into the events ring (many-to-one, CAS on tail).
//
// Rounds: every OS wait is given a batch window (config.batch_us). Under load a
// wait returns no earlier than the window after the previous one returned, so
// a round carries a window's worth of completions and submissions for one
// system call; after a quiet spell the first completion ends the wait at once.
//
// Wake-ups between threads (workers >= 1; never per packet): a worker that runs out of work announces its
// sleep on its inbox (Ring::prepare_to_sleep) and blocks in the OS wait;
// whoever publishes into that inbox wakes it (WorkerCore::wake) only if
// Ring::consumer_needs_wake() says so. After each completion batch a worker
// that published events does the same toward the game thread.
//
// Closing (CloseReason.java is the spec): a CLOSE whose reason is abortive (close_is_abortive)
// ends the session at once and drops what is queued; any other CLOSE lingers (WorkerCore::
// start_linger): queued bytes out, FIN, input read and dropped until the peer's EOF or kLingerMs.
// Stopping: each worker stops accepting, takes the requests still in the rings (worker 0 first,
// see EngineCore::requests_drained), then gives each open session that same graceful close with
// SERVER_SHUTDOWN; all of it ends by kShutdownLingerMs.
//
// Failure: nothing is thrown across a thread's top or the C API. An exception in a worker's loop
// (std::bad_alloc, or EngineError for a hard OS error or an exhausted retry bound) ends that
// worker: EngineCore::fail records the reason and wakes the game thread, the worker drops its
// operations and sockets (abandon) and its thread ends; inline, gp_engine_poll returns the failure.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine.h"
#include "latency.h"
#include "ring.h"
#include "session_table.h"

#if defined(_WIN32)
#define GP_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define GP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

namespace gameport {

// CloseReason.java codes (the ones the engine itself uses or must tell apart).
enum : int32_t {
    kPeerClosed = 0,
    kProtocolError = 1,
    kSlowConsumer = 2,
    kIoError = 3,
    kServerShutdown = 6,
    kServerFull = 7,
    kRateLimit = 8,
};

// A CLOSE for these drops what is queued and closes at once; every other reason lingers
// (queued bytes, FIN, input drained to EOF or the deadline). CloseReason.abortive is the spec.
constexpr bool close_is_abortive(int32_t code) {
    return code == kProtocolError || code == kSlowConsumer || code == kRateLimit;
}

constexpr uint32_t kMaxSlots = 1u << 24;          // session index fits 24 bits (completion keys)
constexpr int64_t kRetryNanos = 1'000'000;        // event ring full: look again in 1 ms
constexpr int64_t kTickNanos = 50'000'000;        // lingering / stopping / paused accept: look every 50 ms
// A graceful CLOSE (close_is_abortive false) lingers: queued bytes out, FIN, then input read and
// dropped until the peer's EOF, for at most this long. Closing with unread input would make the
// kernel answer with a reset, and a reset can destroy the last packet (the SC_LOGIN_FAIL or
// logout reply that explains the close) before the client reads it.
constexpr int64_t kLingerMs = 2000;
// stop(): every session gets that graceful close (reason SERVER_SHUTDOWN unless the game closed it
// already), and CLOSED events are published while the ring has room, until this deadline; what
// is left then is torn down. Bounds a stop however many sessions there are and whatever the peers do.
constexpr int64_t kShutdownLingerMs = 3000;
// After that deadline, at most this long for the OS to end the operations still in flight; then
// they are abandoned (uring: the ring is closed, which cancels them) so a stop never hangs.
constexpr int64_t kShutdownAbandonMs = 1000;
// At most this many PACKET events of one session per round (WorkerCore::turn). The rest stays in
// its receive buffer and the session waits as when the events ring is full (receive paused,
// resumed next round): one client that writes thousands of packets at once cannot fill the
// events ring or the game thread's batch ahead of everyone else. 32 is far above what an honest
// client sends in a round (a move or two, a chat line), so nobody honest ever waits for it.
constexpr uint32_t kMaxPacketsPerSessionRound = 32;
// Connections refused at accept (session table full, or stopping): one log line at most this often.
constexpr int64_t kRefusalLogMs = 10'000;
// An OS call that keeps failing with an error that is normally transient (EINTR, EAGAIN, EBUSY)
// this many times in a row, with no success between, is taken as a hard failure: no retry loop
// of the engine spins forever.
constexpr int kMaxTransientErrors = 1000;
constexpr int kRequestsPerDrain = 4096;

// What a refused connection is told before the close: SC_LOGIN_FAIL, u16 size 3 (little-endian),
// u8 type 3, nothing else (PROTOCOL.md).
constexpr uint8_t kRefusalPacket[3] = {0x03, 0x00, 0x03};

// An unrecoverable failure of the OS part (a hard io_uring_enter or GetQueuedCompletionStatusEx
// error, a retry bound hit). Thrown on the worker's own thread and caught where its loop runs
// (WorkerCore::thread_main, EngineCore::poll and stop), which marks the engine failed
// (EngineCore::fail); never crosses into C or JNI.
class EngineError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

int64_t now_ms();
void log_line(const char* fmt, ...) GP_PRINTF(1, 2);
void copy_err(char* err, size_t len, const std::string& msg);

class WorkerCore;

class EngineCore {
public:
    EngineCore(const gp_engine_config& c, void* ev, int32_t ev_cap, void* rq, int32_t rq_cap);
    virtual ~EngineCore();
    EngineCore(const EngineCore&) = delete;
    EngineCore& operator=(const EngineCore&) = delete;

    // Shared lifecycle (engine.h): binds through open_listener, starts every
    // worker and waits until each reports ready. Returns the port or -1.
    int32_t start(const char* host, int32_t port, std::string* err);
    // Idempotent: tells the workers, joins them, closes the listener.
    void stop();

    // ---- the OS part ----
    virtual bool open_listener(const char* host, int32_t port, int32_t* bound_port, std::string* err) = 0;
    virtual void close_listener() = 0;
    // Inline I/O: one round on the driving thread (engine.h, gp_engine_poll).
    // False with *err if the engine cannot go on.
    bool poll(int64_t timeout_nanos, std::string* err);

    // Any worker thread: the game thread may be asleep in await_events.
    virtual void wake_game() = 0;
    virtual void await_events(int64_t timeout_nanos) = 0;
    // One line for gp_engine_describe, after every worker started.
    virtual std::string describe() = 0;

    // workers >= 1 here; inline_io says whether they are threads of their own.
    const gp_engine_config config;
    const bool inline_io;
    Ring events;
    Ring requests;
    SessionTable table;
    // Fixed from create to destroy (the backend fills it in create_os_engine).
    std::vector<std::unique_ptr<WorkerCore>> workers;
    // Release on stop(), acquire in each worker's loop: what stop() wrote
    // before is visible to a worker that sees true.
    std::atomic<bool> stopping{false};
    // Set (release) by worker 0 once a stop has found the requests ring empty and every request
    // in it handed to its owner's inbox; the other workers (acquire) close their sessions only
    // then, so the game's last SENDs and CLOSEs reach every session before it lingers.
    std::atomic<bool> requests_drained{false};
    std::string description;

    // ---- failure (any thread) ----
    // An I/O worker could not go on (an exception in its loop, a hard OS error): the first
    // reason is kept, the flag set, the game thread woken. Never throws.
    void fail(const std::string& reason) noexcept;
    // fail("I/O worker <worker> failed: <what>"), for an exception caught in a worker's loop.
    void fail_worker(uint32_t worker, const char* what) noexcept;
    // One acquire load: cheap enough for every round.
    bool failed() const { return failed_.load(std::memory_order_acquire); }
    // The first reason given to fail(), or "" if none.
    std::string failure() const;
    // Optional, before start() (no other thread runs yet, so a plain store): a word that fail()
    // sets to 1 with a release store after the reason is recorded. Java reads it with getAcquire
    // each round instead of calling in; it must stay valid until the engine is destroyed.
    void set_failure_flag(int32_t* word) { failure_flag_ = word; }

private:
    // Memory ordering of the failure state: fail() writes failure_reason_ under failure_mutex_,
    // then stores failed_ (and *failure_flag_) with release. failed() is an acquire load, so a
    // thread that sees true also sees everything the failing thread did before; failure() reads
    // the reason under the same mutex, which orders it on its own. The flag only saves the hot
    // path a lock; the mutex is what protects the string.
    std::atomic<bool> failed_{false};
    mutable std::mutex failure_mutex_;
    std::string failure_reason_;
    int32_t* failure_flag_ = nullptr;

    std::mutex lifecycle_;
    bool started_ = false;
    bool stopped_ = false;
    // Inline I/O: the thread of the first poll. Written and read by that thread,
    // and by stop(), which the contract puts on the same thread.
    bool driver_bound_ = false;
    std::thread::id driver_;
};

class WorkerCore {
public:
    WorkerCore(EngineCore* engine, uint32_t index);
    virtual ~WorkerCore();
    WorkerCore(const WorkerCore&) = delete;
    WorkerCore& operator=(const WorkerCore&) = delete;

    // Worker 0 reads the requests ring itself; the others get a private inbox.
    bool init_inbox(std::string* err);
    // Starts the thread and waits for os_thread_init's verdict. Never throws.
    bool start(std::string* err);
    void join();
    // Inline I/O, on the thread that calls start(): os_thread_init without a thread.
    bool start_inline(std::string* err) { return os_thread_init(err); }
    // Inline I/O, on the driving thread's first poll.
    bool bind_driver(std::string* err) { return os_bind_driver(err); }
    // One turn of the loop (a round): requests, retries, one OS wait of at most max_wait_nanos
    // (< 0: as long as nothing happens), completions. False once stopped and quiesced.
    // Throws (std::bad_alloc, EngineError) if the worker cannot go on: the caller marks the
    // engine failed and calls abandon().
    bool turn(int64_t max_wait_nanos);
    // Drop every OS operation and handle of this worker at once (the peers see a reset): inline
    // stop() on a thread that may not submit (not the driver), or after the worker failed.
    // Idempotent; never throws.
    void abandon() noexcept;
    // Logs what a stop left unsaid: the CLOSED events it had to drop (a full events ring nobody
    // drains) and refusals not logged yet.
    void report_dropped();
    // Tests only (gp_engine_inject_failure), any thread: the worker's next turn fails, kind 1
    // with std::bad_alloc thrown in the state machine, kind 2 with a hard error of its OS wait.
    void inject_failure(int32_t kind) {
        injected_failure_.store(kind, std::memory_order_relaxed);
        wake();
    }
    // The worker's thread ended after a failure (release; read with acquire by worker 0, which
    // then drops requests for its sessions instead of waiting for room in its inbox).
    bool dead() const { return dead_.load(std::memory_order_acquire); }
    // Whether only the driving thread may make OS calls on this worker's objects.
    virtual bool thread_bound() const = 0;
    // Any thread: ends the worker's OS wait (it then looks at its inbox and the stop flag).
    virtual void wake() = 0;

    uint32_t index() const { return index_; }
    // Request -> send-completed, us. Written by this worker only; read by
    // gp_engine_send_latency_counts on any thread (latency::Histogram says how).
    const latency::Histogram& send_latency() const { return send_latency_; }

protected:
    // ---- for the OS part, on the worker thread ----

    // A connection came in: takes a slot, runs os_attach, publishes ACCEPTED
    // and arms the first receive. When stopping or when this worker's share of the table is
    // full it refuses the connection instead (os_refuse: SC_LOGIN_FAIL, FIN, close) and counts
    // it. False only if os_attach failed: then the caller closes the handle.
    bool session_accepted(int64_t handle, std::string peer);
    // The session's receive ended: ok with bytes > 0 (data), ok with 0 bytes
    // (the peer's FIN), or !ok with an OS error code for os_error_text.
    void recv_done(uint32_t slot, bool ok, size_t bytes, int error);
    // Backends that provide the receive buffers (os_provides_buffers): n > 0 bytes of
    // the session arrived at data, valid only during the call; armed says whether the
    // (multishot) receive goes on. The peer's EOF and errors still go to recv_done.
    void recv_data(uint32_t slot, const uint8_t* data, size_t n, bool armed);
    // Such a receive ended without data and without ending the session (os_pause_recv's
    // cancel, or the buffer pool ran dry): re-armed now if the session can take more.
    void recv_stopped(uint32_t slot);
    void send_done(uint32_t slot, bool ok, size_t bytes, int error);
    // The separate cancel operation of os_cancel (when it returned true) ended.
    void cancel_done(uint32_t slot);
    // The live session a completion names, or nullptr (counted, logged at most once per 10 s)
    // if its slot was reused: every operation ends before its slot is released, so this only
    // keeps a logic error from writing into a stranger's session.
    Session* session_for(uint32_t slot, uint32_t generation, unsigned op);
    // A stop was seen: accept no more (the sessions may still be lingering).
    bool stopping() const { return stopping_; }
    // Tests only: true once after inject_failure(2); the backend's next OS wait then fails as
    // with a hard error (EngineError).
    bool take_injected_os_error() {
        if (injected_os_error_) {
            injected_os_error_ = false;
            return true;
        }
        return false;
    }
    // Publishes and wakes the game now (before a long OS call, say).
    void wake_game_if_published();

    EngineCore* const engine_;

    // ---- the OS part ----

    // On the new thread, before anything else: create per-thread OS objects.
    // Inline I/O: on the thread that starts the engine, before any driver is known.
    virtual bool os_thread_init(std::string* err) = 0;
    // Inline I/O: the driving thread's first poll; from now on only it makes OS calls.
    virtual bool os_bind_driver(std::string* err) = 0;
    // See abandon(). Must be safe to call twice, and after a failure left the state machine
    // half way through something.
    virtual void os_abandon() = 0;
    // Ties a freshly accepted session to this worker's completion mechanism.
    virtual bool os_attach(uint32_t slot, Session& s) = 0;
    // A connection that gets no session (session_accepted): send the n bytes without blocking,
    // shutdown(write), read and drop whatever input is already there (closing with unread input
    // would reset the connection and could destroy the packet), close. Never blocks.
    virtual void os_refuse(int64_t handle, const uint8_t* data, size_t n) = 0;
    // Start an asynchronous receive into buf / send of data. False with an OS
    // error code in *error if it failed at once (no completion will come).
    // With os_provides_buffers, buf is null: the backend picks the memory and
    // reports through recv_data, and one call may keep the receive armed for good.
    virtual bool os_recv(uint32_t slot, Session& s, uint8_t* buf, size_t len, int* error) = 0;
    virtual bool os_provides_buffers() const { return false; }
    // A receive that stays armed must stop (the events ring is full): end it soon,
    // reporting through recv_stopped. Only called while s.recv_inflight.
    virtual void os_pause_recv(uint32_t, Session&) {}
    virtual bool os_send(uint32_t slot, Session& s, const uint8_t* data, size_t len, int* error) = 0;
    // Make every operation in flight on the session complete soon. True if a
    // separate cancel operation will report through cancel_done.
    virtual bool os_cancel(uint32_t slot, Session& s) = 0;
    virtual void os_shutdown_write(Session& s) = 0;
    // Nothing is in flight any more: release the OS handle (s.handle >= 0).
    virtual void os_close(Session& s) = 0;
    // stop() was seen: stop accepting.
    virtual void os_begin_shutdown() = 0;
    // While stopping with no session left: true once no OS operation of the
    // worker's own (accept, wake-up) is outstanding, so the thread may end.
    virtual bool os_quiesced() = 0;
    // Once per loop turn; true if the OS part needs a turn at least every kTickNanos.
    virtual bool os_tick(int64_t now) = 0;
    // Completions already fetched but not handled yet (then never block).
    virtual bool os_has_backlog() = 0;
    // Submit what is queued; if block, wait for a completion or the timeout
    // (< 0: none) or wake(), but while window_nanos (> 0) runs, for many
    // completions only (the batch window; how many is the backend's choice).
    // Then os_dispatch handles what arrived.
    virtual void os_wait(bool block, int64_t timeout_nanos, int64_t window_nanos) = 0;
    virtual void os_dispatch() = 0;
    virtual std::string os_error_text(const char* what, int error) = 0;
    // The error only says the peer went away (a reset, a broken pipe): an ordinary
    // disconnect, closed as PEER_CLOSED (logged at FINE), not as an I/O error.
    virtual bool os_peer_gone(int error) const = 0;

private:
    void thread_main();
    bool drain_inbox();
    bool handle_request(int32_t type, int64_t session, int64_t timestamp, const uint8_t* payload, int32_t length);
    void process_retries();
    void process_lingering(int64_t now);
    void submit_recv(uint32_t slot);
    void submit_send(uint32_t slot);
    void mark_dirty(uint32_t slot);
    void flush_dirty_sends();
    // kCapped: a whole packet waits, but the session had its kMaxPacketsPerSessionRound this round.
    enum class Publish { kDone, kBlocked, kCapped, kBad };
    Publish publish_packets(Session& s, uint32_t slot, std::string* reason);
    // Whether s may publish one more packet this round (kMaxPacketsPerSessionRound).
    bool packet_allowed(Session& s);
    void after_receive(uint32_t slot);
    void start_linger(uint32_t slot, int64_t deadline_ms);
    void begin_teardown(uint32_t slot);
    void linger_sent(uint32_t slot);
    void maybe_finish(uint32_t slot);
    // next_round: the session waits for the next round (its packet cap), not for ring room.
    void add_retry(uint32_t slot, bool next_round = false);
    void refuse(int64_t handle);
    void log_refusals(int64_t now, bool force);
    void stop_seen(int64_t now);
    bool ready_to_shut_down(int64_t now);
    void begin_shutdown();

    const uint32_t index_;
    Ring inbox_;
    void* inbox_memory_ = nullptr;  // owned when index_ > 0
    std::thread thread_;
    latency::Histogram send_latency_;

    // Start-up hand-shake with start() (OS objects may be per thread).
    std::mutex start_mutex_;
    std::condition_variable start_cv_;
    int start_state_ = 0;  // 0 pending, 1 ok, -1 failed
    std::string start_error_;

    // A stop, in two steps: stopping_ once it is seen (accept stops, the last requests are
    // drained), shut_down_ once every session of the worker was given its graceful close.
    bool stopping_ = false;
    bool shut_down_ = false;
    int64_t stop_deadline_ms_ = 0;  // kShutdownLingerMs after the stop was seen
    bool abandoned_ = false;
    const int64_t window_nanos_;
    int64_t last_wait_end_nanos_ = 0;
    uint64_t completions_ = 0;  // receives, sends and accepts handled so far
    uint64_t completions_before_dispatch_ = 0;
    uint64_t round_ = 0;        // turns so far: the unit of kMaxPacketsPerSessionRound
    bool retry_next_round_ = false;  // a session on retry_ waits for its cap, not for ring room
    bool published_events_ = false;
    bool inbox_blocked_ = false;
    // Refused connections since the last log line, by cause; the line's time.
    uint64_t refused_full_ = 0;
    uint64_t refused_stopping_ = 0;
    int64_t refusal_log_ms_ = 0;
    uint64_t stale_completions_ = 0;
    int64_t stale_log_ms_ = 0;
    uint64_t dropped_closed_ = 0;
    std::atomic<int32_t> injected_failure_{0};
    bool injected_os_error_ = false;
    std::atomic<bool> dead_{false};
    std::vector<uint32_t> retry_;
    std::vector<uint32_t> lingering_;
    std::vector<uint32_t> dirty_;
    std::vector<uint8_t> send_dirty_;  // per slot, indexed by slot
    std::vector<bool> touched_workers_;
};

// ---- each backend defines these two ----

// The platform's engine with its workers created (not started), or nullptr with *err.
std::unique_ptr<EngineCore> create_os_engine(const gp_engine_config& config, void* ev, int32_t ev_cap, void* rq,
                                             int32_t rq_cap, std::string* err);
// 0 if this machine can run the engine, else -1 with *err.
int probe_os(std::string* err);

}  // namespace gameport
