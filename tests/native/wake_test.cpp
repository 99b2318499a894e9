// gp_engine_wake_game, through the C API only, on both backends (io_uring here, IOCP cross-built
// and run under wine): a thread of the test's own plays the database worker behind Engine.post.
// It writes an EVENT_POSTED record into the events ring and wakes the game thread, which waits
// with a long timeout the way the server's game thread does: in gp_engine_poll with inline I/O
// (with and without a batch window), in gp_engine_await_events with one worker thread.
//
// Covered: the wait ends soon after the wake, not at its timeout, and the record is in the ring
// with its session and payload intact; a wake that finds nobody waiting ends the next wait early
// and leaves the one after it alone; records posted and woken for from another thread while the
// game thread runs round after round all arrive, in order, and the game thread still sleeps once
// the posts stop.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "engine.h"
#include "ring.h"

using namespace gameport;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kLongWaitNanos = 5'000'000'000;
constexpr int64_t kPostSession = (int64_t{7} << 32) | 42;  // any value: the engine never reads it
constexpr int kPosterDelayMs = 200;

int64_t ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

class Engine {
public:
    Engine(int32_t workers, int32_t batch_us) {
        ev_mem_ = alloc(kCap);
        rq_mem_ = alloc(kCap);
        events = Ring(ev_mem_, kCap);
        gp_engine_config c{workers, 1 << 20, 16, batch_us};
        char err[256];
        engine = gp_engine_create(&c, ev_mem_, kCap, rq_mem_, kCap, err, sizeof err);
        if (!engine) std::fprintf(stderr, "create: %s\n", err);
        CHECK(engine != nullptr);
        const int32_t port = gp_engine_start(engine, "127.0.0.1", 0, err, sizeof err);
        if (port < 0) std::fprintf(stderr, "start: %s\n", err);
        CHECK(port > 0);
        std::printf("engine: %s (batch window %d us)\n", gp_engine_describe(engine), batch_us);
    }
    ~Engine() {
        gp_engine_destroy(engine);  // stops on this thread, the driver's (inline I/O)
        ::operator delete(ev_mem_, std::align_val_t(128));
        ::operator delete(rq_mem_, std::align_val_t(128));
    }
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Inline I/O, on the driving thread: one gp_engine_poll; returns how long it took, in ms.
    int64_t poll_ms(int64_t timeout_nanos) {
        char err[256];
        const auto t0 = Clock::now();
        if (gp_engine_poll(engine, timeout_nanos, err, sizeof err) != 0) std::fprintf(stderr, "poll: %s\n", err);
        return ms_since(t0);
    }

    // Every record in the events ring, as "type session payload".
    std::vector<std::string> take() {
        std::vector<std::string> out;
        while (events.read(
                   [&](int32_t type, int64_t session, int64_t, const uint8_t* p, int32_t n) {
                       out.push_back(std::to_string(type) + " " + std::to_string(session) + " " +
                                     std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)));
                       return true;
                   },
                   1 << 20) > 0) {
        }
        return out;
    }

    gp_engine* engine = nullptr;
    Ring events;

private:
    static constexpr int32_t kCap = 1 << 16;
    static void* alloc(int32_t cap) {
        const size_t bytes = static_cast<size_t>(cap) + ringlayout::kTrailerLength;
        void* p = ::operator new(bytes, std::align_val_t(128));
        std::memset(p, 0, bytes);
        return p;
    }
    void* ev_mem_;
    void* rq_mem_;
};

// What Engine.post does: the record first (its length word published with release), then the wake.
void post(Engine& e, const std::string& payload, bool only_if_announced) {
    CHECK(e.events.write(ringlayout::kEventPosted, kPostSession, payload.data(), static_cast<int32_t>(payload.size())));
    if (!only_if_announced || e.events.consumer_needs_wake()) gp_engine_wake_game(e.engine);
}

std::string expected(const std::string& payload) {
    return std::to_string(ringlayout::kEventPosted) + " " + std::to_string(kPostSession) + " " + payload;
}

// Inline I/O: the game thread (this one) waits inside gp_engine_poll, in worker 0's OS wait.
void test_inline(int32_t batch_us) {
    Engine e(0, batch_us);
    e.poll_ms(0);  // binds this thread as the driver

    // A post while the driver waits: the wait ends at the wake, and the record is there.
    std::thread poster([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(kPosterDelayMs));
        post(e, "db result 1", false);
    });
    const int64_t waited = e.poll_ms(kLongWaitNanos);
    poster.join();
    std::printf("inline: a post %d ms into a 5 s poll ended it after %lld ms\n", kPosterDelayMs,
                static_cast<long long>(waited));
    CHECK(waited >= kPosterDelayMs - 50);  // it really waited for the wake
    CHECK(waited < 2000);
    const std::vector<std::string> got = e.take();
    CHECK_EQ(got.size(), size_t{1});
    CHECK(got[0] == expected("db result 1"));

    // A wake with nobody waiting: the next wait returns at once, the one after sleeps again.
    gp_engine_wake_game(e.engine);
    const int64_t early = e.poll_ms(kLongWaitNanos);
    const int64_t after = e.poll_ms(300'000'000);
    std::printf("inline: after a stray wake, polls of 5 s and 300 ms took %lld and %lld ms\n",
                static_cast<long long>(early), static_cast<long long>(after));
    CHECK(early < 1000);
    CHECK(after >= 250);
    CHECK(e.take().empty());

    // Posts from another thread while the driver goes round: every record arrives, in order.
    constexpr int kPosts = 2000;
    std::atomic<bool> done{false};
    std::thread many([&] {
        for (int i = 0; i < kPosts; i++) {
            post(e, "n" + std::to_string(i), false);
            if (i % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        done.store(true);
    });
    int next = 0;
    const auto start = Clock::now();
    while (next < kPosts) {
        CHECK(ms_since(start) < 20000);
        e.poll_ms(kLongWaitNanos);  // a lost wake would show as a 5 s round
        for (const std::string& r : e.take()) {
            CHECK(r == expected("n" + std::to_string(next)));
            next++;
        }
    }
    many.join();
    CHECK(done.load());
    std::printf("inline: %d posts from another thread arrived in order in %lld ms\n", kPosts,
                static_cast<long long>(ms_since(start)));
    // Wake-ups left over from those (IOCP queues one per call) end a few more waits early at most.
    bool slept = false;
    for (int i = 0; i < 200 && !slept; i++) slept = e.poll_ms(100'000'000) >= 80;
    CHECK(slept);
    CHECK(e.take().empty());
}

// One worker thread: the game thread (this one) sleeps in gp_engine_await_events, as
// NativeEngine.endRound does after events.prepare_to_sleep().
void test_worker_thread() {
    Engine e(1, 0);
    std::atomic<bool> announced{false};
    std::thread poster([&] {
        while (!announced.load()) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(kPosterDelayMs));
        post(e, "db result 2", true);
    });
    CHECK(e.events.prepare_to_sleep());
    announced.store(true);
    const auto t0 = Clock::now();
    gp_engine_await_events(e.engine, kLongWaitNanos);
    const int64_t waited = ms_since(t0);
    e.events.awake();
    poster.join();
    std::printf("1 worker: a post %d ms into a 5 s await ended it after %lld ms\n", kPosterDelayMs,
                static_cast<long long>(waited));
    CHECK(waited >= kPosterDelayMs - 50);
    CHECK(waited < 2000);
    const std::vector<std::string> got = e.take();
    CHECK_EQ(got.size(), size_t{1});
    CHECK(got[0] == expected("db result 2"));

    gp_engine_wake_game(e.engine);
    auto t1 = Clock::now();
    gp_engine_await_events(e.engine, kLongWaitNanos);
    const int64_t early = ms_since(t1);
    t1 = Clock::now();
    gp_engine_await_events(e.engine, 300'000'000);
    const int64_t after = ms_since(t1);
    std::printf("1 worker: after a stray wake, awaits of 5 s and 300 ms took %lld and %lld ms\n",
                static_cast<long long>(early), static_cast<long long>(after));
    CHECK(early < 1000);
    CHECK(after >= 250);
}

}  // namespace

int main() {
    char err[256];
    if (gp_engine_probe(err, sizeof err) != 0) {
        std::printf("wake_test: skipped (%s)\n", err);
        return 0;
    }
    test_inline(0);
    test_inline(500);
    test_worker_thread();
    std::printf("wake_test: 3 passed, 0 failed\n");
    return 0;
}
