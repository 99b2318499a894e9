// Issue 10, "one client cannot hurt another", through the C API with real loopback clients, on
// every platform (io_uring here, IOCP under wine): the close contract (graceful CLOSE lingers
// even with nothing queued, abortive CLOSE drops), the per-session packet cap per round, refusal
// with SC_LOGIN_FAIL when the table is full, a worker failure contained as an engine failure, and
// a stop with thousands of sessions within its bound.
//
// Two ways of playing the game thread: "self-driven" engines (workers = 0) are polled by the
// test's own thread, one gp_engine_poll per round with the round's events read right after it,
// exactly as the server's game loop does; that makes rounds visible (the packet cap) and lets a
// test decide what is in the requests ring when the engine next looks (SEND + CLOSE together).
// The others run with a driver thread (inline I/O) or worker threads, and the test sleeps on the
// events ring as the game thread does.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "engine.h"
#include "inline_driver.h"
#include "ring.h"
#include "test_net.h"

#ifndef _WIN32
#include <sys/resource.h>
#endif

using namespace gameport;
using namespace testnet;
using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

namespace {

// CloseReason.java codes.
constexpr int32_t kPeerClosed = 0, kProtocolError = 1, kLogout = 5, kShutdown = 6, kRateLimit = 8;
constexpr int kCap = 32;               // kMaxPacketsPerSessionRound (engine_core.h)
constexpr int64_t kShutdownMs = 3000;  // kShutdownLingerMs (engine_core.h)

int64_t ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

struct Event {
    int32_t type = 0;
    int64_t session = 0;
    Bytes payload;
    int32_t code() const {
        int32_t c = -1;
        if (payload.size() >= 4) std::memcpy(&c, payload.data(), 4);
        return c;
    }
    std::string text() const { return payload.size() < 4 ? "" : std::string(payload.begin() + 4, payload.end()); }
};

Bytes packet(int type, int size, uint8_t fill) {
    Bytes p(static_cast<size_t>(size), fill);
    p[0] = static_cast<uint8_t>(size & 0xff);
    p[1] = static_cast<uint8_t>(size >> 8);
    p[2] = static_cast<uint8_t>(type);
    return p;
}

// What a blocking recv saw: > 0 bytes, 0 EOF, kReset, kTimeout.
constexpr int kReset = -1, kTimeout = -2;
int recv_kind(sock_t s, uint8_t* p, size_t n) {
    const int r = recv_some(s, p, n);
    if (r >= 0) return r;
#ifdef _WIN32
    const int e = WSAGetLastError();
    return e == WSAECONNRESET || e == WSAECONNABORTED ? kReset : kTimeout;
#else
    return errno == ECONNRESET ? kReset : kTimeout;
#endif
}

// Reads until the end; returns 0 for EOF, kReset or kTimeout; the bytes read go to *got.
int read_to_end(sock_t s, Bytes* got) {
    uint8_t b[4096];
    for (;;) {
        const int r = recv_kind(s, b, sizeof b);
        if (r <= 0) return r;
        if (got) got->insert(got->end(), b, b + r);
    }
}

// Plays the game thread for one engine.
class Game {
public:
    // self_driven: workers must be 0; the test's thread polls (round()).
    Game(int workers, int max_pending, int max_sessions, bool self_driven, int32_t ev_cap = 1 << 18)
        : self_driven_(self_driven), ev_cap_(ev_cap) {
        ev_mem_ = alloc(ev_cap_);
        rq_mem_ = alloc(kRqCap);
        events_ = Ring(ev_mem_, ev_cap_);
        requests_ = Ring(rq_mem_, kRqCap);
        gp_engine_config c{workers, max_pending, max_sessions, 0};
        char err[256];
        engine_ = gp_engine_create(&c, ev_mem_, ev_cap_, rq_mem_, kRqCap, err, sizeof err);
        if (!engine_) std::fprintf(stderr, "create: %s\n", err);
        CHECK(engine_ != nullptr);
        gp_engine_set_failure_flag(engine_, &failure_flag_);
        port_ = gp_engine_start(engine_, "127.0.0.1", 0, err, sizeof err);
        if (port_ < 0) std::fprintf(stderr, "start: %s\n", err);
        CHECK(port_ > 0);
        if (workers == 0 && !self_driven) driver_.start(engine_);
    }
    ~Game() {
        stop();
        gp_engine_destroy(engine_);
        ::operator delete(ev_mem_, std::align_val_t(128));
        ::operator delete(rq_mem_, std::align_val_t(128));
    }
    int port() const { return port_; }
    gp_engine* engine() { return engine_; }
    // Release store by the engine, acquire here: what Java's getAcquire does.
    bool failure_flag() { return std::atomic_ref<int32_t>(failure_flag_).load(std::memory_order_acquire) != 0; }
    // Stops on the driving thread (the test's, self-driven); returns how long it took.
    int64_t stop() {
        stopped_ = true;
        const auto start = Clock::now();
        if (driver_.running()) {
            driver_.stop();
        } else {
            gp_engine_stop(engine_);
        }
        return ms_since(start);
    }

    // Self-driven: one round (gp_engine_poll), then every event it produced. CHECKs the poll.
    std::vector<Event> round(int64_t timeout_nanos) {
        CHECK(self_driven_);
        char err[256];
        if (gp_engine_poll(engine_, timeout_nanos, err, sizeof err) != 0) {
            std::fprintf(stderr, "gp_engine_poll: %s\n", err);
            CHECK(false);
        }
        std::vector<Event> out;
        take([&](Event e) { out.push_back(std::move(e)); });
        return out;
    }

    // Next event within timeout_ms; false if none came.
    bool poll(Event* out, int timeout_ms) {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (queue_.empty()) {
            if (self_driven_ && !stopped_) {
                for (Event& e : round(2'000'000)) queue_.push_back(std::move(e));
                if (!queue_.empty()) break;
                if (Clock::now() >= deadline) return false;
                continue;
            }
            const int n = take([&](Event e) { queue_.push_back(std::move(e)); });
            if (n > 0 || events_.has_records()) continue;
            if (Clock::now() >= deadline) return false;
            if (stopped_) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            } else if (events_.prepare_to_sleep()) {
                gp_engine_await_events(engine_, 20'000'000);
                events_.awake();
            }
        }
        *out = queue_.front();
        queue_.pop_front();
        return true;
    }
    Event next(int timeout_ms = 10000) {
        Event e;
        if (!poll(&e, timeout_ms)) {
            std::fprintf(stderr, "no event within %d ms\n", timeout_ms);
            std::exit(1);
        }
        return e;
    }
    Event expect(int32_t type) {
        Event e = next();
        if (e.type != type) std::fprintf(stderr, "expected event %d, got %d\n", type, e.type);
        CHECK_EQ(e.type, type);
        return e;
    }
    // The session's CLOSED, skipping the packets it sent before.
    Event expect_closed(int64_t session) {
        for (;;) {
            Event e = next();
            CHECK_EQ(e.session, session);
            if (e.type == ringlayout::kEventClosed) return e;
            CHECK_EQ(e.type, ringlayout::kEventPacket);
        }
    }
    void send(int64_t session, const Bytes& b) {
        while (!requests_.write(ringlayout::kRequestSend, session, b.data(), static_cast<int32_t>(b.size()))) {
            published();
            std::this_thread::yield();
        }
    }
    void close(int64_t session, int32_t code, const std::string& text) {
        while (!requests_.write_with_code(ringlayout::kRequestClose, session, code, text.data(),
                                          static_cast<int32_t>(text.size()))) {
            published();
            std::this_thread::yield();
        }
    }
    void published() {
        if (!self_driven_ && requests_.consumer_needs_wake()) gp_engine_wake_requests(engine_);
    }
    Ring& events() { return events_; }

private:
    template <typename F>
    int take(F&& f) {
        return events_.read(
            [&](int32_t t, int64_t s, int64_t, const uint8_t* p, int32_t len) {
                Event e{t, s, Bytes(p, p + len)};
                // CLOSED is the last event of a session, and comes once.
                CHECK(closed_.count(s) == 0);
                if (t == ringlayout::kEventClosed) closed_.insert(s);
                f(std::move(e));
                return true;
            },
            1 << 20);
    }
    static void* alloc(int32_t cap) {
        const size_t bytes = static_cast<size_t>(cap) + ringlayout::kTrailerLength;
        void* p = ::operator new(bytes, std::align_val_t(128));
        std::memset(p, 0, bytes);
        return p;
    }

    static constexpr int32_t kRqCap = 1 << 20;
    InlineDriver driver_;
    const bool self_driven_;
    const int32_t ev_cap_;
    void* ev_mem_;
    void* rq_mem_;
    Ring events_;
    Ring requests_;
    gp_engine* engine_ = nullptr;
    int port_ = 0;
    alignas(8) int32_t failure_flag_ = 0;
    bool stopped_ = false;
    std::deque<Event> queue_;
    std::set<int64_t> closed_;
};

// ---- 1. a graceful CLOSE with nothing queued, while the client keeps sending ----

// The client logs out and goes on sending (moves already on their way when the reply comes):
// the server's CLOSE must end in a FIN the client reads as EOF, the client's later bytes are read
// and dropped (no reset), and the close completes at the client's own FIN, not at the deadline.
void test_graceful_close_nothing_queued(int workers) {
    Game g(workers, 64 * 1024, 16, false);
    const sock_t c = connect_client(g.port());
    const Event a = g.expect(ringlayout::kEventAccepted);
    const Bytes logout = packet(3, 3, 0);
    send_all(c, logout.data(), logout.size());
    CHECK(g.expect(ringlayout::kEventPacket).payload == logout);
    std::atomic<bool> stop_sending{false};
    std::atomic<int> send_errors{0};
    std::atomic<int> sent{0};
    std::thread sender([&] {
        const Bytes move = packet(1, 8, 'm');
        while (!stop_sending.load()) {
            if (send(c, reinterpret_cast<const char*>(move.data()), static_cast<int>(move.size()), send_flags()) !=
                static_cast<int>(move.size())) {
                send_errors++;
                return;
            }
            sent++;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto closed_at = Clock::now();
    g.close(a.session, kLogout, "logout");  // nothing queued for it
    g.published();
    uint8_t b[64];
    CHECK_EQ(recv_kind(c, b, sizeof b), 0);  // the server's FIN, nothing before it
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // it still sends; the server drops it
    stop_sending = true;
    sender.join();
    CHECK_EQ(send_errors.load(), 0);  // no reset came back
    CHECK(sent.load() > 10);
    shutdown(c, 1);  // SHUT_WR / SD_SEND: the client's own FIN
    const Event closed = g.expect_closed(a.session);
    CHECK_EQ(closed.code(), kLogout);
    CHECK_EQ(closed.text(), std::string("logout"));
    CHECK(ms_since(closed_at) < 1500);  // at the client's FIN, not at the 2 s linger deadline
    CHECK_EQ(recv_kind(c, b, sizeof b), 0);  // still EOF, never a reset
    close_socket(c);
    std::printf("graceful CLOSE, nothing queued, client sending %d packets meanwhile: FIN, no reset (%d worker(s))\n",
                sent.load(), workers);
}

// ---- 2. an abortive CLOSE drops what is queued and closes at once ----

void test_abortive_close(int32_t code) {
    Game g(0, 64 * 1024, 16, true);
    const sock_t c = connect_client(g.port());
    const Event a = g.expect(ringlayout::kEventAccepted);
    // SEND and CLOSE reach the engine in the same round: the bytes never leave.
    g.send(a.session, Bytes(1000, 'q'));
    g.close(a.session, code, "abuse");
    const auto start = Clock::now();
    const Event closed = g.expect(ringlayout::kEventClosed);
    CHECK_EQ(closed.session, a.session);
    CHECK_EQ(closed.code(), code);
    CHECK(ms_since(start) < 1000);  // at once, although the client neither reads nor closes
    Bytes got;
    const int end = read_to_end(c, &got);
    CHECK(end == 0 || end == kReset);
    CHECK_EQ(got.size(), size_t{0});
    close_socket(c);
    std::printf("abortive CLOSE (code %d): closed at once, 1000 queued bytes dropped\n", code);
}

// ---- 3. at most kMaxPacketsPerSessionRound packets of one session per round ----

void test_packet_cap_per_round() {
    Game g(0, 64 * 1024, 16, true, 1 << 20);  // a ring with room for every packet: only the cap holds the flooder
    const sock_t flooder = connect_client(g.port());
    const Event fa = g.expect(ringlayout::kEventAccepted);
    const sock_t other = connect_client(g.port());
    const Event oa = g.expect(ringlayout::kEventAccepted);
    constexpr int kFlood = 3000;
    Bytes flood;
    for (int i = 0; i < kFlood; i++) {
        const Bytes p = packet(2, 4 + i % 16, static_cast<uint8_t>(i));
        flood.insert(flood.end(), p.begin(), p.end());
    }
    send_all(flooder, flood.data(), flood.size());  // one write, thousands of packets
    const Bytes hello = packet(3, 3, 7);
    send_all(other, hello.data(), hello.size());
    int flooded = 0;
    int rounds = 0;
    int other_round = -1;
    int flooded_when_other = -1;
    const auto start = Clock::now();
    while (flooded < kFlood) {
        // A long timeout: a capped session must make the round end at once anyway.
        const std::vector<Event> events = g.round(200'000'000);
        rounds++;
        int mine = 0;
        for (const Event& e : events) {
            CHECK_EQ(e.type, ringlayout::kEventPacket);
            if (e.session == oa.session) {
                CHECK(e.payload == hello);
                other_round = rounds;
                flooded_when_other = flooded + mine;
                continue;
            }
            CHECK_EQ(e.session, fa.session);
            CHECK(e.payload == packet(2, 4 + (flooded + mine) % 16, static_cast<uint8_t>(flooded + mine)));
            mine++;
        }
        CHECK(mine <= kCap);
        flooded += mine;
        CHECK(ms_since(start) < 20000);
    }
    const int64_t took = ms_since(start);
    CHECK(other_round > 0);
    CHECK(flooded_when_other < kFlood);  // the other's packet did not wait for the flood
    CHECK(rounds >= kFlood / kCap);
    // 94+ rounds of at most 32: no round waited its 200 ms timeout while packets were waiting.
    CHECK(took < 5000);
    Event e;
    CHECK(!g.poll(&e, 50));  // not closed: a flood within the backlog bound is only slowed down
    close_socket(flooder);
    close_socket(other);
    std::set<int64_t> closed;
    for (int i = 0; i < 2; i++) {
        const Event c = g.expect(ringlayout::kEventClosed);
        CHECK_EQ(c.code(), kPeerClosed);
        closed.insert(c.session);
    }
    CHECK(closed.count(fa.session) == 1 && closed.count(oa.session) == 1);
    std::printf("packet cap: %d packets in one write took %d rounds (%lld ms), at most %d a round; the other "
                "client's packet came in round %d after %d of them\n",
                kFlood, rounds, static_cast<long long>(took), kCap, other_round, flooded_when_other);
}

// ---- 4. refusal with SC_LOGIN_FAIL ----

void expect_refused(sock_t s) {
    Bytes got;
    const int end = read_to_end(s, &got);
    if (got.size() != 3 || end != 0) std::fprintf(stderr, "refused: %zu bytes, end %d\n", got.size(), end);
    CHECK_EQ(got.size(), size_t{3});
    CHECK(got[0] == 0x03 && got[1] == 0x00 && got[2] == 0x03);
    CHECK_EQ(end, 0);  // FIN, not a reset
}

void test_refusal(int workers) {
    // One session per worker; with self-driven, the test decides when the engine looks.
    const bool self_driven = workers == 0;
    Game g(workers, 64 * 1024, 1, self_driven);
    std::vector<sock_t> in;
    std::set<int64_t> sessions;
    for (int i = 0; i < std::max(workers, 1); i++) {
        in.push_back(connect_client(g.port()));
        sessions.insert(g.expect(ringlayout::kEventAccepted).session);
    }
    // A refused client that says nothing.
    const sock_t quiet = connect_client(g.port());
    if (self_driven) g.round(10'000'000);
    expect_refused(quiet);
    close_socket(quiet);
    // One whose CS_LOGIN is already there when the engine refuses it: read and dropped, so
    // the close is no reset that could destroy the 3 bytes.
    const sock_t eager = connect_client(g.port());
    const Bytes login = packet(0, 23, 'n');
    send_all(eager, login.data(), login.size());
    if (self_driven) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        g.round(10'000'000);
    }
    expect_refused(eager);
    close_socket(eager);
    Event e;
    CHECK(!g.poll(&e, 50));  // the game never hears of a refused connection
    for (sock_t s : in) close_socket(s);
    for (size_t i = 0; i < in.size(); i++) {
        const Event c = g.expect(ringlayout::kEventClosed);
        CHECK(sessions.count(c.session) == 1);
    }
    std::printf("refusal (%d worker(s)): exactly SC_LOGIN_FAIL {03 00 03}, then FIN\n", workers);
}

// ---- 5. a worker that fails: the engine reports it, nothing aborts ----

void test_worker_failure(int workers, int32_t kind, int32_t failing_worker) {
    const bool self_driven = workers == 0;
    Game g(workers, 64 * 1024, 16, self_driven);
    std::vector<sock_t> clients;
    for (int i = 0; i < 4; i++) {
        clients.push_back(connect_client(g.port()));
        g.expect(ringlayout::kEventAccepted);
    }
    CHECK_EQ(gp_engine_inject_failure(g.engine(), failing_worker, kind), 0);
    char reason[256] = "";
    const auto start = Clock::now();
    if (self_driven) {
        char err[256];
        CHECK_EQ(gp_engine_poll(g.engine(), 0, err, sizeof err), -1);
        CHECK_EQ(gp_engine_poll(g.engine(), 0, err, sizeof err), -1);  // for good
        std::printf("poll: %s\n", err);
    } else {
        // Asleep as the game thread would be: the failing worker wakes it.
        while (!gp_engine_failed(g.engine(), reason, sizeof reason)) {
            CHECK(ms_since(start) < 5000);
            if (g.events().prepare_to_sleep()) {
                gp_engine_await_events(g.engine(), 5'000'000'000);
                g.events().awake();
            }
            Event e;
            while (g.events().has_records()) g.poll(&e, 0);
        }
        CHECK(ms_since(start) < 2000);
    }
    CHECK_EQ(gp_engine_failed(g.engine(), reason, sizeof reason), 1);
    CHECK(g.failure_flag());
    const std::string r = reason;
    CHECK(r.find("I/O worker " + std::to_string(failing_worker) + " failed") != std::string::npos);
    CHECK(r.find(kind == 1 ? "bad_alloc" : "injected by a test") != std::string::npos);
    // The failed worker's connections are dropped (with 2 workers, the other keeps its own).
    if (workers <= 1) {
        for (sock_t s : clients) {
            const int end = read_to_end(s, nullptr);
            CHECK(end == 0 || end == kReset);
        }
    }
    const int64_t took = g.stop();
    CHECK(took < kShutdownMs + 700);
    for (sock_t s : clients) close_socket(s);
    std::printf("worker failure (%d worker(s), kind %d in worker %d): \"%s\"; stop took %lld ms\n", workers, kind,
                failing_worker, reason, static_cast<long long>(took));
}

// ---- 6. stop() with thousands of sessions, some of them never answering ----

// A third of the clients were closed by the game just before the stop (a goodbye packet, then
// CLOSE(SERVER_SHUTDOWN), as the game loop does), a third are only open, and both kinds read to
// the end and close, as clients do. The last third never read and never close: they keep the stop
// waiting until its deadline, which bounds it. Every session gets CLOSED(SERVER_SHUTDOWN); every
// answering client reads its goodbye and a FIN, no reset.
void test_shutdown_bound(int workers, int n) {
    auto g = std::make_unique<Game>(workers, 64 * 1024, n + 16, false, 1 << 22);
    std::vector<sock_t> socks(static_cast<size_t>(n));
    std::map<std::string, int> by_peer;
    for (int i = 0; i < n; i++) {
        socks[static_cast<size_t>(i)] = connect_client(g->port());
        by_peer[local_peer(socks[static_cast<size_t>(i)])] = i;
    }
    std::vector<int64_t> session(static_cast<size_t>(n));
    for (int i = 0; i < n; i++) {
        const Event a = g->expect(ringlayout::kEventAccepted);
        const std::string peer(a.payload.begin(), a.payload.end());
        CHECK(by_peer.count(peer) == 1);
        session[static_cast<size_t>(by_peer[peer])] = a.session;
    }
    const Bytes goodbye = packet(9, 12, 'g');
    std::atomic<int> answered_ok{0};
    std::thread readers([&] {
        for (int i = 0; i < n; i++) {
            if (i % 3 == 2) continue;  // the silent ones
            const sock_t s = socks[static_cast<size_t>(i)];
            Bytes got;
            const int end = read_to_end(s, &got);
            if (end == 0 && (i % 3 == 1 || got == goodbye)) answered_ok++;
            close_socket(s);
        }
    });
    for (int i = 0; i < n; i += 3) {
        g->send(session[static_cast<size_t>(i)], goodbye);
        g->close(session[static_cast<size_t>(i)], kShutdown, "server shutdown");
    }
    g->published();
    const int64_t took = g->stop();
    readers.join();
    int closed = 0;
    Event e;
    while (g->poll(&e, 200)) {
        if (e.type != ringlayout::kEventClosed) continue;
        CHECK_EQ(e.code(), kShutdown);
        closed++;
    }
    const int answering = n - n / 3;
    if (answered_ok.load() != answering) std::fprintf(stderr, "%d of %d answered\n", answered_ok.load(), answering);
    CHECK_EQ(answered_ok.load(), answering);
    CHECK_EQ(closed, n);
    CHECK(took >= kShutdownMs - 100);  // the silent ones did hold it to the deadline
    CHECK(took < kShutdownMs + 700);
    for (int i = 2; i < n; i += 3) {
        const int end = read_to_end(socks[static_cast<size_t>(i)], nullptr);
        CHECK(end == 0 || end == kReset);
        close_socket(socks[static_cast<size_t>(i)]);
    }
    g.reset();
    std::printf("stop with %d sessions (%d worker(s)), a third never answering: %lld ms\n", n, workers,
                static_cast<long long>(took));
}

// The game writes a goodbye and CLOSE(SERVER_SHUTDOWN) for every session and stops the engine at
// once, without a round in between (self-driven) or without waking the workers: the stop still
// takes those requests first (worker 0 forwarding to the others), so every client reads its
// goodbye, and the CLOSED events carry the game's own text.
void test_stop_takes_the_last_requests(int workers) {
    Game g(workers, 64 * 1024, 64, workers == 0);
    constexpr int kClients = 8;
    std::vector<sock_t> socks;
    std::vector<int64_t> sessions;
    for (int i = 0; i < kClients; i++) {
        socks.push_back(connect_client(g.port()));
        sessions.push_back(g.expect(ringlayout::kEventAccepted).session);
    }
    const Bytes goodbye = packet(9, 40, 'b');
    for (int64_t s : sessions) {
        g.send(s, goodbye);
        g.close(s, kShutdown, "game says bye");
    }
    std::atomic<int> ok{0};
    std::thread readers([&] {
        for (sock_t s : socks) {
            Bytes got;
            if (read_to_end(s, &got) == 0 && got == goodbye) ok++;
            close_socket(s);
        }
    });
    const int64_t took = g.stop();  // no published(), no round: the requests wait in the ring
    readers.join();
    CHECK_EQ(ok.load(), kClients);
    CHECK(took < 1000);
    int closed = 0;
    Event e;
    while (g.poll(&e, 100)) {
        CHECK_EQ(e.type, ringlayout::kEventClosed);
        CHECK_EQ(e.code(), kShutdown);
        CHECK_EQ(e.text(), std::string("game says bye"));
        closed++;
    }
    CHECK_EQ(closed, kClients);
    std::printf("stop right after the game's last SENDs and CLOSEs (%d worker(s)): all delivered, %lld ms\n",
                workers, static_cast<long long>(took));
}

// When every client answers, a stop is over as soon as they have: no deadline is waited for.
void test_shutdown_quick(int workers) {
    Game g(workers, 64 * 1024, 64, false);
    constexpr int kClients = 20;
    std::vector<sock_t> socks;
    for (int i = 0; i < kClients; i++) {
        socks.push_back(connect_client(g.port()));
        g.expect(ringlayout::kEventAccepted);
    }
    std::atomic<int> eof{0};
    std::thread readers([&] {
        for (sock_t s : socks) {
            if (read_to_end(s, nullptr) == 0) eof++;
            close_socket(s);
        }
    });
    const int64_t took = g.stop();
    readers.join();
    CHECK_EQ(eof.load(), kClients);
    CHECK(took < 1000);
    std::printf("stop with %d answering clients (%d worker(s)): %lld ms\n", kClients, workers,
                static_cast<long long>(took));
}

}  // namespace

int main(int argc, char** argv) {
    init();
    char err[256];
    if (gp_engine_probe(err, sizeof err) != 0) {
        std::printf("abuse_test: skipped (%s)\n", err);
        return 0;
    }
#ifdef _WIN32
    int shutdown_sessions = 300;  // wine: every socket call is a round trip to wineserver
#else
    int shutdown_sessions = 5000;
    // Two fds per session in this one process (client and server side).
    rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * static_cast<rlim_t>(shutdown_sessions) + 100) {
        shutdown_sessions = static_cast<int>(rl.rlim_cur / 2) - 100;
    }
#endif
    if (argc > 1) shutdown_sessions = std::atoi(argv[1]);
    int passed = 0;
    for (int workers : {0, 1, 2}) {
        test_graceful_close_nothing_queued(workers);
        passed++;
    }
    test_abortive_close(kProtocolError);
    test_abortive_close(kRateLimit);
    passed += 2;
    test_packet_cap_per_round();
    passed++;
    test_refusal(0);
    test_refusal(1);  // (2 workers: the kernel may hand both accepts to one of them, whose one slot is then full)
    passed += 2;
    test_worker_failure(0, 1, 0);
    test_worker_failure(0, 2, 0);
    test_worker_failure(1, 1, 0);
    test_worker_failure(1, 2, 0);
    test_worker_failure(2, 1, 1);
    passed += 5;
    test_stop_takes_the_last_requests(0);
    test_stop_takes_the_last_requests(2);
    test_shutdown_quick(0);
    test_shutdown_quick(1);
    test_shutdown_bound(0, shutdown_sessions);
    test_shutdown_bound(2, shutdown_sessions / 2);
    passed += 6;
    std::printf("abuse_test: %d passed, 0 failed\n", passed);
    return 0;
}
