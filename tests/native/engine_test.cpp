// The engine through its C API with real loopback TCP clients. This program
// plays the game thread: it reads the events ring (sleeping with
// prepare_to_sleep + gp_engine_await_events) and writes SEND/CLOSE requests
// (waking the worker only when consumer_needs_wake says so). With inline I/O
// (workers = 0) a driver thread of the test calls gp_engine_poll in a loop and
// stops the engine itself, as the game thread does in the server: the rings'
// roles stay those of two threads, which is what the state machine sees.
//   engine_test           all socket tests: inline I/O (with and without a batch
//                         window), 1 worker and 2 workers
//   engine_test emfile    accept under a full fd table (own process: it lowers RLIMIT_NOFILE)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "engine.h"
#include "inline_driver.h"
#include "latency.h"
#include "ring.h"

using namespace gameport;
using Bytes = std::vector<uint8_t>;

namespace {

int32_t batch_us = 0;  // the batch window of the engines created next

constexpr int32_t kPeerClosed = 0, kProtocolError = 1, kSlowConsumer = 2, kLogout = 5, kShutdown = 6, kServerFull = 7;

struct Event {
    int32_t type;
    int64_t session;
    int64_t timestamp;
    Bytes payload;
    int32_t code() const {
        int32_t c;
        std::memcpy(&c, payload.data(), 4);
        return c;
    }
    std::string text() const { return std::string(payload.begin() + 4, payload.end()); }
};

Bytes packet(int type, int size, uint8_t fill) {
    Bytes p(static_cast<size_t>(size), fill);
    p[0] = static_cast<uint8_t>(size & 0xff);
    p[1] = static_cast<uint8_t>(size >> 8);
    p[2] = static_cast<uint8_t>(type);
    return p;
}

class Game {
public:
    Game(int workers, int max_pending, int max_sessions, int32_t event_capacity = 1 << 16) {
        const int32_t ev_cap = event_capacity;
        ev_mem_ = alloc(ev_cap);
        rq_mem_ = alloc(kCap);
        events_ = Ring(ev_mem_, ev_cap);
        requests_ = Ring(rq_mem_, kCap);
        gp_engine_config c{workers, max_pending, max_sessions, batch_us};
        char err[256];
        engine_ = gp_engine_create(&c, ev_mem_, ev_cap, rq_mem_, kCap, err, sizeof err);
        if (!engine_) std::fprintf(stderr, "create: %s\n", err);
        CHECK(engine_ != nullptr);
        port_ = gp_engine_start(engine_, "127.0.0.1", 0, err, sizeof err);
        if (port_ < 0) std::fprintf(stderr, "start: %s\n", err);
        CHECK(port_ > 0);
        std::printf("engine: %s on port %d (batch window %d us)\n", gp_engine_describe(engine_), port_, batch_us);
        if (workers == 0) driver_.start(engine_);
    }
    ~Game() {
        stop();
        gp_engine_destroy(engine_);
        std::free(ev_mem_);
        std::free(rq_mem_);
    }
    int port() const { return port_; }
    void stop() {
        if (driver_.running()) {
            driver_.stop();
        } else {
            gp_engine_stop(engine_);
        }
    }

    // Next event, sleeping the way the game thread does; fails after timeout_ms.
    Event next(int timeout_ms = 5000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (queue_.empty()) {
            const int n = events_.read([&](int32_t t, int64_t s, int64_t ts, const uint8_t* p, int32_t len) {
                // The worker stamped it when it wrote it: not later than now.
                CHECK(ts > 0 && ts <= monotonic_nanos());
                queue_.push_back({t, s, ts, Bytes(p, p + len)});
                return true;
            }, 1000);
            if (n > 0 || events_.has_records()) continue;
            if (std::chrono::steady_clock::now() > deadline) {
                std::fprintf(stderr, "no event within %d ms\n", timeout_ms);
                std::exit(1);
            }
            if (events_.prepare_to_sleep()) {
                gp_engine_await_events(engine_, 100'000'000);
                events_.awake();
                sleeps_++;
            }
        }
        Event e = queue_.front();
        queue_.pop_front();
        // CLOSED is the last event of a session, and comes once.
        CHECK(closed_.count(e.session) == 0);
        if (e.type == ringlayout::kEventClosed) closed_[e.session] = true;
        return e;
    }
    // True if no event arrives within ms.
    bool quiet(int ms) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        for (;;) {
            events_.read([&](int32_t t, int64_t s, int64_t ts, const uint8_t* p, int32_t len) {
                queue_.push_back({t, s, ts, Bytes(p, p + len)});
                return true;
            }, 1000);
            if (!queue_.empty()) return false;
            if (std::chrono::steady_clock::now() >= deadline) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    void send(int64_t session, const Bytes& b) { send(session, b.data(), static_cast<int32_t>(b.size())); }
    void send(int64_t session, const void* p, int32_t n) {
        while (!requests_.write(ringlayout::kRequestSend, session, p, n)) {
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
    // After a batch of requests, as Engine.requestsPublished() does.
    void published() {
        if (requests_.consumer_needs_wake()) {
            wakes_++;
            gp_engine_wake_requests(engine_);
        }
    }
    // Cumulative request -> send-completed counts, as NativeEngine fetches them.
    std::vector<int64_t> send_latency() {
        std::vector<int64_t> counts(GP_SEND_LATENCY_BUCKETS, -1);
        CHECK_EQ(gp_engine_send_latency_counts(engine_, counts.data(), GP_SEND_LATENCY_BUCKETS),
                 GP_SEND_LATENCY_BUCKETS);
        return counts;
    }
    int64_t send_latency_samples() {
        int64_t total = 0;
        for (int64_t c : send_latency()) {
            CHECK(c >= 0);
            total += c;
        }
        return total;
    }
    int wakes() const { return wakes_; }
    int sleeps() const { return sleeps_; }

private:
    InlineDriver driver_;

    static constexpr int32_t kCap = 1 << 16;
    static void* alloc(int32_t cap) {
        const size_t bytes = static_cast<size_t>(cap) + ringlayout::kTrailerLength;
        void* p = std::aligned_alloc(128, bytes);
        std::memset(p, 0, bytes);
        return p;
    }
    void* ev_mem_;
    void* rq_mem_;
    Ring events_;
    Ring requests_;
    gp_engine* engine_ = nullptr;
    int port_ = 0;
    std::deque<Event> queue_;
    std::map<int64_t, bool> closed_;
    int wakes_ = 0;
    int sleeps_ = 0;
};

int connect_client(int port, int rcvbuf = 0) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    if (rcvbuf) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

std::string local_peer(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
}

void send_all(int fd, const uint8_t* p, size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        CHECK(w > 0);
        p += w;
        n -= static_cast<size_t>(w);
    }
}

Bytes recv_exact(int fd, size_t n) {
    Bytes b(n);
    size_t got = 0;
    while (got < n) {
        const ssize_t r = recv(fd, b.data() + got, n - got, 0);
        if (r <= 0) std::fprintf(stderr, "recv_exact: got %zu of %zu (%s)\n", got, n, r == 0 ? "EOF" : strerror(errno));
        CHECK(r > 0);
        got += static_cast<size_t>(r);
    }
    return b;
}

// The server ended the connection: EOF (or a reset) after any pending bytes.
void expect_end(int fd) {
    uint8_t b[256];
    const ssize_t r = recv(fd, b, sizeof b, 0);
    CHECK(r == 0 || (r < 0 && errno == ECONNRESET));
}

Event expect(Game& g, int32_t type) {
    Event e = g.next();
    if (e.type != type) std::fprintf(stderr, "expected event %d, got %d\n", type, e.type);
    CHECK_EQ(e.type, type);
    return e;
}

// Accept + packets split at awkward points + echo through SEND requests + close;
// every echoed SEND shows up once in the request -> send-completed counts.
void test_echo(Game& g) {
    const int64_t samples_before = g.send_latency_samples();
    int64_t sends = 0;
    constexpr int kClients = 4;
    int fds[kClients];
    std::map<std::string, int> by_peer;
    for (int i = 0; i < kClients; i++) {
        fds[i] = connect_client(g.port());
        by_peer[local_peer(fds[i])] = i;
    }
    int64_t session[kClients];
    for (int i = 0; i < kClients; i++) {
        Event e = expect(g, ringlayout::kEventAccepted);
        const std::string peer(e.payload.begin(), e.payload.end());
        CHECK(by_peer.count(peer) == 1);
        session[by_peer[peer]] = e.session;
    }
    Bytes stream;
    std::vector<Bytes> packets = {packet(0, 23, 'n'), packet(1, 8, 1), packet(2, 303, 'x'), packet(3, 3, 0),
                                  packet(2, 5, 'y')};
    for (const Bytes& p : packets) stream.insert(stream.end(), p.begin(), p.end());
    for (int round = 0; round < 3; round++) {
        // Split points: inside a header, inside a body, on a boundary.
        const size_t cuts[] = {1, 2, 24, 30, 200, 335, stream.size()};
        for (int i = 0; i < kClients; i++) {
            size_t from = 0;
            for (size_t c : cuts) {
                send_all(fds[i], stream.data() + from, c - from);
                from = c;
                if (round == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
        }
        std::map<int64_t, size_t> next_packet;
        for (int n = 0; n < kClients * static_cast<int>(packets.size()); n++) {
            Event e = expect(g, ringlayout::kEventPacket);
            size_t& k = next_packet[e.session];
            CHECK(k < packets.size());
            CHECK(e.payload == packets[k]);
            k++;
            g.send(e.session, e.payload);  // echo
            sends++;
            if (n % 3 == 2) g.published();
        }
        g.published();
        for (int i = 0; i < kClients; i++) CHECK(recv_exact(fds[i], stream.size()) == stream);
    }
    // The clients have every byte, but the worker may not have reaped the last
    // send completions yet.
    int64_t samples = 0;
    for (int i = 0; i < 500 && (samples = g.send_latency_samples() - samples_before) < sends; i++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Each request counts once, when its send completes: never more, and here all of them.
    CHECK(samples > 0 && samples <= sends);
    CHECK_EQ(samples, sends);
    // Loopback echo: nothing plausible takes 10 s (and the first 64 buckets are exact us).
    const std::vector<int64_t> counts = g.send_latency();
    for (int32_t i = latency::bucket_of(10'000'000); i < GP_SEND_LATENCY_BUCKETS; i++) CHECK_EQ(counts[i], 0);
    std::printf("echo: %lld sends, %lld send-latency samples\n", static_cast<long long>(sends),
                static_cast<long long>(samples));
    for (int i = 0; i < kClients; i++) ::close(fds[i]);
    std::map<int64_t, bool> closed;
    for (int i = 0; i < kClients; i++) {
        Event e = expect(g, ringlayout::kEventClosed);
        CHECK_EQ(e.code(), kPeerClosed);
        closed[e.session] = true;
    }
    for (int i = 0; i < kClients; i++) CHECK(closed.count(session[i]) == 1);
}

void test_protocol_error(Game& g) {
    const int fd = connect_client(g.port());
    const Event a = expect(g, ringlayout::kEventAccepted);
    const Bytes good = packet(3, 3, 0);
    const uint8_t bad[] = {3, 0, 9, 0xee, 0xee};
    Bytes both(good);
    both.insert(both.end(), bad, bad + sizeof bad);
    send_all(fd, both.data(), both.size());
    Event p = expect(g, ringlayout::kEventPacket);
    CHECK(p.payload == good);
    Event c = expect(g, ringlayout::kEventClosed);
    CHECK_EQ(c.session, a.session);
    CHECK_EQ(c.code(), kProtocolError);
    CHECK_EQ(c.text(), std::string("unknown packet type 9 (size 3)"));
    expect_end(fd);
    ::close(fd);
    // Header-only judgement: an oversized CS_CHAT closes before its body comes.
    const int fd2 = connect_client(g.port());
    expect(g, ringlayout::kEventAccepted);
    const uint8_t chat[] = {0x30, 0x01, 2};
    send_all(fd2, chat, sizeof chat);
    Event c2 = expect(g, ringlayout::kEventClosed);
    CHECK_EQ(c2.code(), kProtocolError);
    CHECK_EQ(c2.text(), std::string("CS_CHAT size 304 outside 4..303"));
    expect_end(fd2);
    ::close(fd2);
}

void test_stale_generation(Game& g) {
    const int a = connect_client(g.port());
    const Event ea = expect(g, ringlayout::kEventAccepted);
    ::close(a);
    CHECK_EQ(expect(g, ringlayout::kEventClosed).session, ea.session);
    const int b = connect_client(g.port());
    const Event eb = expect(g, ringlayout::kEventAccepted);
    // Same slot again (free lists are stacks), a new generation.
    CHECK_EQ(session_slot(eb.session), session_slot(ea.session));
    CHECK(session_generation(eb.session) != session_generation(ea.session));
    g.send(ea.session, packet(5, 7, 's'));  // stale: must vanish
    g.close(ea.session, kLogout, "stale");  // stale: must not close b
    const Bytes fresh = packet(5, 7, 'f');
    g.send(eb.session, fresh);
    g.published();
    CHECK(recv_exact(b, fresh.size()) == fresh);
    timeval tv{0, 200000};
    setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t extra;
    CHECK(recv(b, &extra, 1, 0) < 0 && errno == EAGAIN);  // nothing else arrived, still open
    CHECK(g.quiet(100));
    ::close(b);
    CHECK_EQ(expect(g, ringlayout::kEventClosed).session, eb.session);
}

void test_slow_consumer(Game& g) {
    const int fd = connect_client(g.port(), 4096);
    const Event a = expect(g, ringlayout::kEventAccepted);
    Bytes chunk(4096, 0x42);
    size_t sent = 0;
    bool closed = false;
    // The client never reads: socket buffers fill, then the pending cap trips.
    while (!closed && sent < (256u << 20)) {
        for (int i = 0; i < 8; i++) g.send(a.session, chunk);
        sent += 8 * chunk.size();
        g.published();
        if (!g.quiet(0)) {
            Event e = g.next();
            CHECK_EQ(e.type, ringlayout::kEventClosed);
            CHECK_EQ(e.code(), kSlowConsumer);
            CHECK(e.text().find("bytes queued > max") != std::string::npos);
            closed = true;
        }
    }
    CHECK(closed);
    std::printf("slow consumer closed after %zu bytes\n", sent);
    ::close(fd);
}

void test_close_request_flushes(Game& g) {
    const int fd = connect_client(g.port());
    const Event a = expect(g, ringlayout::kEventAccepted);
    const Bytes bye = packet(3, 4, 3);
    g.send(a.session, bye);
    g.close(a.session, kLogout, "logout");
    g.published();
    CHECK(recv_exact(fd, bye.size()) == bye);
    expect_end(fd);
    Event c = expect(g, ringlayout::kEventClosed);
    CHECK_EQ(c.session, a.session);
    CHECK_EQ(c.code(), kLogout);
    CHECK_EQ(c.text(), std::string("logout"));
    ::close(fd);
}

// CLOSE after a large SEND while the client keeps sending and reads slowly: every byte still
// arrives, then EOF. Closing the socket as soon as the last byte is in the kernel would answer
// the client's unread bytes with a reset and drop what was not transmitted yet.
void test_close_flushes_to_a_client_that_keeps_sending(Game& g) {
    const int fd = connect_client(g.port(), 4096);
    const Event a = expect(g, ringlayout::kEventAccepted);
    Bytes all;
    // 15 x 4 KiB: well past what the client's 4 KiB buffer takes, so the close must linger, but
    // under this Game's 64 KiB max pending, so the session is never a slow consumer (with 64
    // chunks it became one whenever the engine drained the next ring-full before the socket had
    // taken the previous one: a race with the kernel, not the linger this test is about).
    for (int i = 0; i < 15; i++) {
        Bytes chunk(4096);
        for (size_t k = 0; k < chunk.size(); k++) chunk[k] = static_cast<uint8_t>(i * 7 + k);
        g.send(a.session, chunk);
        all.insert(all.end(), chunk.begin(), chunk.end());
    }
    g.close(a.session, kLogout, "bye");
    g.published();
    const Bytes move = packet(1, 8, 9);
    for (int i = 0; i < 50; i++) send_all(fd, move.data(), move.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(recv_exact(fd, all.size()) == all);
    expect_end(fd);
    ::close(fd);
    for (;;) {  // the packets the client sent before the CLOSE came through, then CLOSED
        Event e = g.next();
        if (e.type == ringlayout::kEventPacket) continue;
        CHECK_EQ(e.type, ringlayout::kEventClosed);
        CHECK_EQ(e.code(), kLogout);
        break;
    }
}

// stop() closes gracefully: the client reads a FIN (no reset) and, as a client does, closes too;
// then the stop is over at once, not at its deadline.
void test_shutdown(Game& g) {
    const int fd = connect_client(g.port());
    const Event a = expect(g, ringlayout::kEventAccepted);
    std::atomic<ssize_t> last{-2};
    std::thread client([&] {
        uint8_t b[256];
        ssize_t r;
        while ((r = recv(fd, b, sizeof b, 0)) > 0) {
        }
        last = r < 0 ? -errno : 0;
        ::close(fd);
    });
    const auto start = std::chrono::steady_clock::now();
    g.stop();
    const auto took = std::chrono::steady_clock::now() - start;
    client.join();
    CHECK_EQ(last.load(), ssize_t{0});  // EOF, not ECONNRESET
    CHECK(took < std::chrono::milliseconds(1000));
    Event c = expect(g, ringlayout::kEventClosed);
    CHECK_EQ(c.session, a.session);
    CHECK_EQ(c.code(), kShutdown);
    g.stop();  // idempotent
}

// A full event ring stops reading (no event dropped); every packet and then
// CLOSED arrive once the game drains it.
void test_event_backpressure() {
    Game g(1, 64 * 1024, 8, 4096);  // room for ~70 of these records (24-byte header + 4..53)
    const int fd = connect_client(g.port());
    const Event a = expect(g, ringlayout::kEventAccepted);
    constexpr int kPackets = 5000;
    Bytes all;
    for (int i = 0; i < kPackets; i++) {
        Bytes p = packet(2, 4 + i % 50, static_cast<uint8_t>(i));
        all.insert(all.end(), p.begin(), p.end());
    }
    send_all(fd, all.data(), all.size());
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the game is busy: the ring fills
    for (int i = 0; i < kPackets; i++) {
        Event e = expect(g, ringlayout::kEventPacket);
        CHECK_EQ(e.session, a.session);
        CHECK(e.payload == packet(2, 4 + i % 50, static_cast<uint8_t>(i)));
    }
    Event c = expect(g, ringlayout::kEventClosed);
    CHECK_EQ(c.code(), kPeerClosed);
    CHECK(g.quiet(50));
}

// max_sessions is a per-worker capacity: however the kernel spreads accepts over the workers,
// max_sessions connections all get in (with 2 workers, one of them may take every accept).
void test_capacity_per_worker(int workers) {
    constexpr int kMax = 6;
    Game g(workers, 64 * 1024, kMax);
    int fds[kMax];
    for (int i = 0; i < kMax; i++) fds[i] = connect_client(g.port());
    for (int i = 0; i < kMax; i++) expect(g, ringlayout::kEventAccepted);
    for (int i = 0; i < kMax; i++) close(fds[i]);
    for (int i = 0; i < kMax; i++) expect(g, ringlayout::kEventClosed);
}

void run_all(int workers) {
    std::printf("--- %d worker(s)\n", workers);
    Game g(workers, 64 * 1024, 64);
    test_echo(g);
    test_protocol_error(g);
    test_stale_generation(g);
    test_slow_consumer(g);
    test_close_request_flushes(g);
    test_close_flushes_to_a_client_that_keeps_sending(g);
    test_shutdown(g);
    std::printf("game thread slept %d times, woke the worker %d times\n", g.sleeps(), g.wakes());
}

double cpu_seconds() {
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A full fd table must pause accept without spinning, and accept must resume
// once sessions end. Clients live in a child process (its own fd table).
void test_emfile() {
    // io_uring's accept reads RLIMIT_NOFILE when the request is prepared, so
    // the limit drops before the engine starts: its own 4 fds (ring, two
    // eventfds, listener) plus room for 10 sessions.
    int go[2];
    CHECK(pipe(go) == 0);
    // New fds take the lowest free numbers, so the limit sits just above the
    // 14th free number (inherited fds may leave holes).
    int free_seen = 0;
    int limit = 0;
    for (int fd = 0; fd < 65536 && free_seen < 4 + 10; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            free_seen++;
            limit = fd + 1;
        }
    }
    rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    rlimit low = rl;
    low.rlim_cur = static_cast<rlim_t>(limit);
    CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
    Game g(1, 64 * 1024, 256);
    constexpr int kClients = 30;
    const pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        // Async-signal-safe calls only: the parent has threads.
        ::close(go[1]);
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(4);
        int fds[kClients];
        for (int i = 0; i < kClients; i++) {
            fds[i] = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(static_cast<uint16_t>(g.port()));
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (fds[i] < 0 || connect(fds[i], reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) _exit(2);
        }
        char c;
        if (read(go[0], &c, 1) < 0) _exit(3);  // until the parent says so (or dies)
        _exit(0);
    }
    ::close(go[0]);
    int accepted = 0;
    std::vector<int64_t> sessions;
    // fds below the limit that were free before (holes) count too: take
    // whatever comes until the accepts stop.
    while (accepted < 10 || !g.quiet(300)) {
        Event e = g.next();
        CHECK_EQ(e.type, ringlayout::kEventAccepted);
        sessions.push_back(e.session);
        accepted++;
    }
    std::printf("emfile: %d accepted before the fd table filled (fd limit %d)\n", accepted, limit);
    CHECK(accepted >= 10 && accepted < kClients);  // +1: the parent closed its pipe end
    // Now the fd table is full and 20 connections wait in the backlog.
    const double before = cpu_seconds();
    CHECK(g.quiet(1000));
    const double used = cpu_seconds() - before;
    std::printf("emfile: %.3f s CPU during 1 s with a full fd table\n", used);
    CHECK(used < 0.3);  // paused, not spinning
    // The game closes sessions; fds come free and accept goes on.
    int closed = 0;
    while (accepted < kClients || closed < accepted) {
        for (int64_t s : sessions) g.close(s, kServerFull, "server full");
        sessions.clear();
        g.published();
        Event e = g.next();
        if (e.type == ringlayout::kEventAccepted) {
            accepted++;
            sessions.push_back(e.session);
        } else {
            CHECK_EQ(e.type, ringlayout::kEventClosed);
            CHECK_EQ(e.code(), kServerFull);
            closed++;
        }
    }
    std::printf("emfile: all %d connections accepted after the pause\n", accepted);
    ::close(go[1]);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    char err[256];
    if (gp_engine_probe(err, sizeof err) != 0) {
        std::printf("engine_test: skipped (%s)\n", err);
        return 0;
    }
    if (argc > 1 && std::strcmp(argv[1], "emfile") == 0) {
        test_emfile();
        std::printf("engine_test emfile: 1 passed, 0 failed\n");
        return 0;
    }
    run_all(0);
    batch_us = 500;
    run_all(0);
    run_all(1);
    batch_us = 0;
    run_all(2);
    test_event_backpressure();
    test_capacity_per_worker(1);
    test_capacity_per_worker(2);
    std::printf("engine_test: 31 passed, 0 failed\n");
    return 0;
}
