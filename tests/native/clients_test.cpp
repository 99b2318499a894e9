// Many real TCP clients against the engine, through its C API only, on every
// platform: on Linux it drives the io_uring engine, cross-built for Windows it
// drives the IOCP engine (run under wine in CI). This program plays the game
// thread: it reads the events ring (sleeping with prepare_to_sleep +
// gp_engine_await_events) and writes SEND/CLOSE requests (waking the worker
// only when consumer_needs_wake says so).
//
// Covered: 64 concurrent clients whose framed traffic is split at random
// points, byte by byte, or coalesced, echoed back and checked byte for byte;
// one stream split at every byte position; graceful and abortive disconnects
// (also mid-packet and with sends pending); a CLOSE request that flushes; a
// protocol error; a slow consumer closed; stop() with receives and blocked
// sends pending. All of it with inline I/O (workers = 0: a driver thread of
// the test calls gp_engine_poll and stops the engine, as the server's game
// thread does), inline with a batch window, 1 worker and 2.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
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

using namespace gameport;
using namespace testnet;
using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int32_t kPeerClosed = 0, kProtocolError = 1, kSlowConsumer = 2, kIoError = 3, kLogout = 5,
                  kShutdown = 6;

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
    for (size_t i = 3; i < p.size(); i++) p[i] = static_cast<uint8_t>(fill + i);  // not all the same byte
    return p;
}

// xorshift: the same streams on every run and platform.
struct Rng {
    uint64_t s;
    uint32_t next(uint32_t bound) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return static_cast<uint32_t>(s % bound);
    }
};

// A game-sized client packet: login, move, chat of any length, attack.
Bytes random_packet(Rng& r) {
    const uint8_t fill = static_cast<uint8_t>(r.next(256));
    switch (r.next(4)) {
        case 0: return packet(0, 23, fill);
        case 1: return packet(1, 8, fill);
        case 2: return packet(2, 4 + static_cast<int>(r.next(300)), fill);
        default: return packet(3, 3, fill);
    }
}

int32_t batch_us = 0;  // the batch window of the engines created next

class Game {
public:
    Game(int workers, int max_pending, int max_sessions) {
        ev_mem_ = alloc(kCap);
        rq_mem_ = alloc(kCap);
        events_ = Ring(ev_mem_, kCap);
        requests_ = Ring(rq_mem_, kCap);
        gp_engine_config c{workers, max_pending, max_sessions, batch_us};
        char err[256];
        engine_ = gp_engine_create(&c, ev_mem_, kCap, rq_mem_, kCap, err, sizeof err);
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
        ::operator delete(ev_mem_, std::align_val_t(128));
        ::operator delete(rq_mem_, std::align_val_t(128));
    }
    int port() const { return port_; }
    void stop() {
        if (driver_.running()) {
            driver_.stop();
        } else {
            gp_engine_stop(engine_);
        }
    }

    // Next event within timeout_ms, sleeping the way the game thread does; false if none came.
    bool poll(Event* out, int timeout_ms) {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (queue_.empty()) {
            const int n = events_.read([&](int32_t t, int64_t s, int64_t ts, const uint8_t* p, int32_t len) {
                // The worker stamped it with the clock Java's nanoTime reads: not later than now.
                CHECK(ts > 0 && ts <= monotonic_nanos());
                queue_.push_back({t, s, Bytes(p, p + len)});
                return true;
            }, 1000);
            if (n > 0 || events_.has_records()) continue;
            if (Clock::now() >= deadline) return false;
            if (events_.prepare_to_sleep()) {
                gp_engine_await_events(engine_, 20'000'000);
                events_.awake();
            }
        }
        *out = queue_.front();
        queue_.pop_front();
        // CLOSED is the last event of a session, and comes once.
        CHECK(closed_.count(out->session) == 0);
        if (out->type == ringlayout::kEventClosed) closed_.insert(out->session);
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
    bool quiet(int ms) {
        Event e;
        if (!poll(&e, ms)) return true;
        queue_.push_front(e);
        if (e.type == ringlayout::kEventClosed) closed_.erase(e.session);
        return false;
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
    // After a batch of requests, as Engine.requestsPublished() does.
    void published() {
        if (requests_.consumer_needs_wake()) gp_engine_wake_requests(engine_);
    }

private:
    InlineDriver driver_;

    static constexpr int32_t kCap = 1 << 18;
    static void* alloc(int32_t cap) {
        const size_t bytes = static_cast<size_t>(cap) + ringlayout::kTrailerLength;
        void* p = ::operator new(bytes, std::align_val_t(128));
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
    std::set<int64_t> closed_;
};

// ---- 64 clients, every way of cutting a stream, echo checked byte for byte ----

struct ClientPlan {
    Bytes stream;
    std::vector<size_t> cuts;  // send boundaries, ascending, last = stream.size()
};

ClientPlan plan_for(int i) {
    Rng r{0x9e3779b97f4a7c15ull * static_cast<uint64_t>(i + 1)};
    ClientPlan p;
    std::vector<size_t> packet_ends;
    for (int k = 0; k < 150; k++) {
        const Bytes b = random_packet(r);
        p.stream.insert(p.stream.end(), b.begin(), b.end());
        packet_ends.push_back(p.stream.size());
    }
    const size_t n = p.stream.size();
    switch (i % 4) {
        case 0:  // random chunks of 1..64 bytes: headers and bodies split anywhere
            for (size_t at = 0; at < n;) {
                at = std::min(n, at + 1 + r.next(64));
                p.cuts.push_back(at);
            }
            break;
        case 1:  // coalesced: the whole stream in one send
            p.cuts.push_back(n);
            break;
        case 2:  // the first 400 bytes one at a time, then large chunks
            for (size_t at = 1; at <= 400 && at < n; at++) p.cuts.push_back(at);
            for (size_t at = 400 + 1000; at < n; at += 1000) p.cuts.push_back(at);
            p.cuts.push_back(n);
            break;
        default:  // three whole packets per send
            for (size_t k = 2; k < packet_ends.size(); k += 3) p.cuts.push_back(packet_ends[k]);
            if (p.cuts.empty() || p.cuts.back() != n) p.cuts.push_back(n);
            break;
    }
    return p;
}

void test_many_clients(Game& g) {
    constexpr int kClients = 64;
    std::vector<ClientPlan> plans;
    size_t total = 0;
    for (int i = 0; i < kClients; i++) {
        plans.push_back(plan_for(i));
        total += plans.back().stream.size();
    }
    std::atomic<int> echoed{0};
    std::atomic<int> failed{0};
    std::atomic<bool> may_close{false};
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; i++) {
        clients.emplace_back([&, i] {
            const ClientPlan& p = plans[static_cast<size_t>(i)];
            const sock_t s = connect_client(g.port());
            size_t from = 0;
            for (size_t cut : p.cuts) {
                send_all(s, p.stream.data() + from, cut - from);
                from = cut;
            }
            Bytes back(p.stream.size());
            if (!recv_exact(s, back.data(), back.size()) || back != p.stream) {
                std::fprintf(stderr, "client %d: echo differs\n", i);
                failed++;
            }
            echoed++;
            while (!may_close.load()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
            // Half leave gracefully (FIN), half abortively (RST).
            if (i % 2 == 0) {
                close_socket(s);
            } else {
                abort_socket(s);
            }
        });
    }
    std::map<int64_t, size_t> bytes_in;
    std::map<int64_t, bool> graceful_expected;
    int accepted = 0;
    int closed = 0;
    size_t packets = 0;
    const auto start = Clock::now();
    while (closed < kClients) {
        Event e;
        if (!g.poll(&e, 50)) {
            if (echoed.load() == kClients) may_close = true;
            CHECK(Clock::now() - start < std::chrono::seconds(60));
            continue;
        }
        if (e.type == ringlayout::kEventAccepted) {
            accepted++;
            bytes_in[e.session] = 0;
        } else if (e.type == ringlayout::kEventPacket) {
            // A whole packet: its header's size is its length.
            CHECK(e.payload.size() >= 3);
            CHECK_EQ(static_cast<size_t>(e.payload[0] | (e.payload[1] << 8)), e.payload.size());
            bytes_in[e.session] += e.payload.size();
            packets++;
            g.send(e.session, e.payload);  // echo
            if (packets % 16 == 0) g.published();
        } else {
            CHECK_EQ(e.type, ringlayout::kEventClosed);
            CHECK(bytes_in.count(e.session) == 1);
            // FIN or RST: tests must not tell them apart (wine may report a reset as a FIN).
            if (!(e.code() == kPeerClosed || e.code() == kIoError)) std::fprintf(stderr, "closed %d: %s\n", e.code(), e.text().c_str());
            CHECK(e.code() == kPeerClosed || e.code() == kIoError);
            closed++;
        }
        if (g.quiet(0)) g.published();  // end of a batch
    }
    for (auto& t : clients) t.join();
    CHECK_EQ(failed.load(), 0);
    CHECK_EQ(accepted, kClients);
    size_t sum = 0;
    for (const auto& [session, n] : bytes_in) sum += n;
    CHECK_EQ(sum, total);
    std::printf("many clients: %d clients, %zu packets, %zu bytes echoed byte for byte in %lld ms\n", kClients,
                packets, total,
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()));
}

// ---- one stream cut at every byte position ----

void test_split_every_byte(Game& g) {
    const std::vector<Bytes> packets = {packet(0, 23, 'n'), packet(1, 8, 1), packet(2, 303, 'x'), packet(3, 3, 0),
                                        packet(2, 5, 'y')};
    Bytes stream;
    for (const Bytes& p : packets) stream.insert(stream.end(), p.begin(), p.end());
    const sock_t s = connect_client(g.port());
    const Event a = g.expect(ringlayout::kEventAccepted);
    for (size_t cut = 1; cut < stream.size(); cut++) {
        send_all(s, stream.data(), cut);
        // A moment for the first part to arrive alone.
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        send_all(s, stream.data() + cut, stream.size() - cut);
        for (const Bytes& p : packets) {
            const Event e = g.expect(ringlayout::kEventPacket);
            CHECK_EQ(e.session, a.session);
            CHECK(e.payload == p);
        }
    }
    close_socket(s);
    const Event c = g.expect(ringlayout::kEventClosed);
    CHECK_EQ(c.session, a.session);
    CHECK_EQ(c.code(), kPeerClosed);
    std::printf("split at every byte: %zu cuts of a %zu-byte stream\n", stream.size() - 1, stream.size());
}

// ---- disconnects ----

void test_disconnects(Game& g) {
    // Graceful, mid-packet: the half packet is never delivered.
    {
        const sock_t s = connect_client(g.port());
        const Event a = g.expect(ringlayout::kEventAccepted);
        const Bytes p = packet(2, 100, 'h');
        send_all(s, p.data(), 40);
        close_socket(s);
        const Event c = g.expect(ringlayout::kEventClosed);
        CHECK_EQ(c.session, a.session);
        CHECK_EQ(c.code(), kPeerClosed);
    }
    // Abortive, with whole packets before it: at most those arrive, then CLOSED.
    {
        const sock_t s = connect_client(g.port());
        const Event a = g.expect(ringlayout::kEventAccepted);
        const Bytes p = packet(1, 8, 'm');
        Bytes b;
        for (int i = 0; i < 3; i++) b.insert(b.end(), p.begin(), p.end());
        b.insert(b.end(), p.begin(), p.begin() + 5);
        send_all(s, b.data(), b.size());
        abort_socket(s);
        int seen = 0;
        for (;;) {
            const Event e = g.next();
            CHECK_EQ(e.session, a.session);
            if (e.type == ringlayout::kEventClosed) break;
            CHECK_EQ(e.type, ringlayout::kEventPacket);
            CHECK(e.payload == p);
            seen++;
        }
        CHECK(seen <= 3);
    }
    // Abortive while the server has sends pending to it (the client never reads).
    {
        const sock_t s = connect_client(g.port(), 4096);
        const Event a = g.expect(ringlayout::kEventAccepted);
        const Bytes chunk(8192, 0x5a);
        for (int i = 0; i < 16; i++) g.send(a.session, chunk);
        g.published();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the send blocks on the full window
        abort_socket(s);
        const Event c = g.expect(ringlayout::kEventClosed);
        CHECK_EQ(c.session, a.session);
        CHECK(c.code() == kPeerClosed || c.code() == kIoError);
    }
    // The game's CLOSE flushes what it queued first, then ends with a FIN.
    {
        const sock_t s = connect_client(g.port());
        const Event a = g.expect(ringlayout::kEventAccepted);
        const Bytes bye = packet(3, 40, 3);
        g.send(a.session, bye);
        g.close(a.session, kLogout, "logout");
        g.published();
        Bytes got(bye.size());
        CHECK(recv_exact(s, got.data(), got.size()));
        CHECK(got == bye);
        CHECK(drain_to_end(s));
        const Event c = g.expect(ringlayout::kEventClosed);
        CHECK_EQ(c.session, a.session);
        CHECK_EQ(c.code(), kLogout);
        CHECK_EQ(c.text(), std::string("logout"));
        close_socket(s);
    }
    // A bad header closes only that connection, after the good packet before it.
    {
        const sock_t s = connect_client(g.port());
        const Event a = g.expect(ringlayout::kEventAccepted);
        const Bytes good = packet(3, 3, 0);
        Bytes both(good);
        const uint8_t bad[] = {3, 0, 9, 0xee, 0xee};
        both.insert(both.end(), bad, bad + sizeof bad);
        send_all(s, both.data(), both.size());
        CHECK(g.expect(ringlayout::kEventPacket).payload == good);
        const Event c = g.expect(ringlayout::kEventClosed);
        CHECK_EQ(c.session, a.session);
        CHECK_EQ(c.code(), kProtocolError);
        CHECK_EQ(c.text(), std::string("unknown packet type 9 (size 3)"));
        CHECK(drain_to_end(s));
        close_socket(s);
    }
    std::printf("disconnects: graceful, mid-packet, abortive, abortive with sends pending, CLOSE flush, bad header\n");
}

// ---- a client that never reads ----

void test_slow_consumer(Game& g) {
    const sock_t s = connect_client(g.port(), 4096);
    const Event a = g.expect(ringlayout::kEventAccepted);
    const Bytes chunk(4096, 0x42);
    size_t sent = 0;
    bool closed = false;
    while (!closed && sent < (64u << 20)) {
        for (int i = 0; i < 8; i++) g.send(a.session, chunk);
        sent += 8 * chunk.size();
        g.published();
        Event e;
        if (g.poll(&e, 1)) {
            CHECK_EQ(e.type, ringlayout::kEventClosed);
            CHECK_EQ(e.session, a.session);
            CHECK_EQ(e.code(), kSlowConsumer);
            CHECK(e.text().find("bytes queued > max") != std::string::npos);
            closed = true;
        }
    }
    CHECK(closed);
    CHECK(drain_to_end(s));
    close_socket(s);
    std::printf("slow consumer closed after %zu bytes\n", sent);
}

// ---- stop() with receives and blocked sends pending, clients that never read ----

void test_shutdown_pending(int workers) {
    auto g = std::make_unique<Game>(workers, 1 << 20, 64);
    constexpr int kClients = 12;
    std::vector<sock_t> socks;
    std::set<int64_t> sessions;
    for (int i = 0; i < kClients; i++) {
        socks.push_back(connect_client(g->port(), i % 2 ? 4096 : 0));
        sessions.insert(g->expect(ringlayout::kEventAccepted).session);
    }
    // No client reads before stop(): every session has a send blocked in
    // flight (sooner on the small-buffer ones) with more queued, and a receive
    // pending; one client is mid-packet.
    const Bytes chunk(16384, 0x77);
    for (int64_t s : sessions) {
        for (int k = 0; k < 16; k++) g->send(s, chunk);
    }
    g->published();
    const Bytes half = packet(2, 200, 'q');
    send_all(socks[0], half.data(), 50);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto start = Clock::now();
    g->stop();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    std::set<int64_t> closed;
    while (closed.size() < sessions.size()) {
        const Event e = g->next(2000);
        CHECK_EQ(e.type, ringlayout::kEventClosed);
        CHECK_EQ(e.code(), kShutdown);
        CHECK(sessions.count(e.session) == 1);
        closed.insert(e.session);
    }
    // Nobody reads, so nothing queued can be delivered: every session lingers to the stop's
    // deadline (kShutdownLingerMs, 3 s) and is torn down then, not later.
    CHECK(took < 3000 + 700);
    for (sock_t s : socks) {
        CHECK(drain_to_end(s));
        close_socket(s);
    }
    g->stop();  // idempotent
    g.reset();  // destroy: nothing left in flight
    std::printf("shutdown with pending I/O: %d sessions closed, stop() took %lld ms\n", kClients,
                static_cast<long long>(took));
}

void run_all(int workers) {
    std::printf("--- %d worker(s)\n", workers);
    const auto start = Clock::now();
    {
        Game g(workers, 256 * 1024, 256);
        test_many_clients(g);
        test_split_every_byte(g);
        test_disconnects(g);
        test_slow_consumer(g);
    }
    test_shutdown_pending(workers);
    std::printf("--- %d worker(s): %lld ms\n", workers,
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()));
}

}  // namespace

int main() {
    init();
    char err[256];
    if (gp_engine_probe(err, sizeof err) != 0) {
        std::printf("clients_test: skipped (%s)\n", err);
        return 0;
    }
    run_all(0);
    batch_us = 500;
    run_all(0);
    run_all(1);
    batch_us = 0;
    run_all(2);
    std::printf("clients_test: 20 passed, 0 failed\n");
    return 0;
}
