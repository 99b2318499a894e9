// The ring of ring.h against the protocol of RingDescriptor.java: wrap with
// padding, full ring, timestamps, many producers with one consumer, sleep/wake.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "check.h"
#include "ring.h"

using namespace gameport;

namespace {

struct Memory {
    explicit Memory(int32_t capacity) {
        const size_t bytes = static_cast<size_t>(capacity) + ringlayout::kTrailerLength;
        p = std::aligned_alloc(128, bytes);
        std::memset(p, 0, bytes);
        ring = Ring(p, capacity);
    }
    ~Memory() { std::free(p); }
    void* p;
    Ring ring;
};

struct Rec {
    int32_t type;
    int64_t session;
    int64_t timestamp;
    std::vector<uint8_t> payload;
};

std::vector<Rec> drain(Ring& r) {
    // Single-threaded: every claimed record is published, so this ends.
    std::vector<Rec> out;
    while (r.has_records()) {
        r.read([&](int32_t t, int64_t s, int64_t ts, const uint8_t* p, int32_t n) {
            out.push_back({t, s, ts, std::vector<uint8_t>(p, p + n)});
            return true;
        }, 1000);
    }
    return out;
}

void test_layout_constants() {
    CHECK_EQ(ringlayout::kTrailerLength, 512);
    CHECK_EQ(ringlayout::kHeadOffset, 256);
    CHECK_EQ(ringlayout::kConsumerStateOffset, 384);
    CHECK_EQ(ringlayout::kHeaderLength, 24);
    CHECK_EQ(ringlayout::kTimestampOffset, 16);
    CHECK_EQ(make_session(7, 3), (int64_t{3} << 32) | 7);
    CHECK_EQ(session_slot(make_session(7, 3)), 7u);
    CHECK_EQ(session_generation(make_session(7, 0xffffffffu)), 0xffffffffu);
}

void test_wrap_with_padding() {
    Memory m(4096);
    Ring& r = m.ring;
    // 100-byte payloads: records of 120 bytes never divide 4096, so laps pad.
    uint32_t next_write = 0, next_read = 0;
    for (int lap = 0; lap < 200; lap++) {
        for (int i = 0; i < 20; i++) {
            uint8_t payload[100];
            for (int b = 0; b < 100; b++) payload[b] = static_cast<uint8_t>(next_write + b);
            if (!r.write(ringlayout::kEventPacket, next_write, payload, 100)) break;
            next_write++;
        }
        for (const Rec& rec : drain(r)) {
            CHECK_EQ(rec.type, ringlayout::kEventPacket);
            CHECK_EQ(rec.session, static_cast<int64_t>(next_read));
            CHECK_EQ(rec.payload.size(), 100u);
            for (int b = 0; b < 100; b++) CHECK_EQ(rec.payload[b], static_cast<uint8_t>(next_read + b));
            next_read++;
        }
    }
    CHECK_EQ(next_read, next_write);
    CHECK_EQ(next_write, 4000u);
    // Every lap leaves only zeroes behind: the next lap starts from length 0.
    CHECK(!r.has_records());
    CHECK_EQ(r.size(), 0);
}

void test_full_ring_and_limits() {
    Memory m(4096);
    Ring& r = m.ring;
    CHECK_EQ(r.max_payload(), 4096 / 8 - 24);
    CHECK(!r.write(1, 1, nullptr, r.max_payload() + 1));
    std::vector<uint8_t> big(static_cast<size_t>(r.max_payload()), 0xab);
    int written = 0;
    while (r.write(1, written, big.data(), r.max_payload())) written++;
    CHECK_EQ(written, 8);  // 8 x 512 bytes fill 4096 exactly
    CHECK(!r.write(1, 99, nullptr, 0));
    // A handler that refuses leaves the record for later.
    int seen = 0;
    CHECK_EQ(r.read([&](int32_t, int64_t s, int64_t, const uint8_t*, int32_t) {
        if (s == 3) return false;
        seen++;
        return true;
    }, 100), 3);
    CHECK_EQ(seen, 3);
    CHECK(r.write(1, 100, nullptr, 0));  // room again
    std::vector<Rec> rest = drain(r);
    CHECK_EQ(rest.size(), 6u);
    CHECK_EQ(rest.front().session, 3);
    CHECK_EQ(rest.back().session, 100);
    // write_with_code: i32 code then text.
    CHECK(r.write_with_code(ringlayout::kEventClosed, 5, 2, "slow", 4));
    auto c = drain(r);
    CHECK_EQ(c.size(), 1u);
    int32_t code;
    std::memcpy(&code, c[0].payload.data(), 4);
    CHECK_EQ(code, 2);
    CHECK(std::memcmp(c[0].payload.data() + 4, "slow", 4) == 0);
}

// Every record carries its producer's CLOCK_MONOTONIC stamp at offset 16: the
// stamp falls between clock reads before and after the write, stamps of one
// producer never go backwards, and a forwarded record keeps the stamp it is given.
void test_timestamps() {
    Memory m(4096);
    Ring& r = m.ring;
    const int64_t before = monotonic_nanos();
    CHECK(before > 0);
    for (int i = 0; i < 10; i++) CHECK(r.write(ringlayout::kRequestSend, i, &i, 4));
    CHECK(r.write_with_code(ringlayout::kRequestClose, 10, 5, "bye", 3));
    const int64_t after = monotonic_nanos();
    // The raw bytes, as Java reads them: i64 at record + 16.
    int64_t raw;
    std::memcpy(&raw, m.ring.memory() + ringlayout::kTimestampOffset, 8);
    CHECK(raw >= before && raw <= after);
    std::vector<Rec> recs = drain(r);
    CHECK_EQ(recs.size(), 11u);
    CHECK_EQ(recs[0].timestamp, raw);
    int64_t last = before;
    for (const Rec& rec : recs) {
        CHECK(rec.timestamp >= last && rec.timestamp <= after);
        last = rec.timestamp;
    }
    CHECK(r.write_with_timestamp(ringlayout::kRequestSend, 11, 12345, "x", 1));
    recs = drain(r);
    CHECK_EQ(recs.size(), 1u);
    CHECK_EQ(recs[0].timestamp, 12345);
    CHECK_EQ(recs[0].session, 11);
}

// Several producer threads, one consumer: every record arrives, intact and in
// order per producer; lengths vary so padding and wrap happen under contention.
void test_many_producers() {
    Memory m(16384);
    Ring& r = m.ring;
    constexpr int kProducers = 4;
    constexpr uint32_t kPerProducer = 200000;
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; p++) {
        producers.emplace_back([&r, p] {
            uint8_t buf[64];
            for (uint32_t seq = 0; seq < kPerProducer; seq++) {
                const int32_t len = 4 + static_cast<int32_t>(seq % 57);
                std::memcpy(buf, &seq, 4);
                for (int32_t b = 4; b < len; b++) buf[b] = static_cast<uint8_t>(seq * 31 + b);
                while (!r.write(ringlayout::kEventPacket, p, buf, len)) std::this_thread::yield();
            }
        });
    }
    std::vector<uint32_t> next(kProducers, 0);
    std::vector<int64_t> last_stamp(kProducers, 0);
    uint64_t total = 0;
    while (total < uint64_t{kProducers} * kPerProducer) {
        const int n = r.read([&](int32_t type, int64_t s, int64_t ts, const uint8_t* p, int32_t len) {
            CHECK_EQ(type, ringlayout::kEventPacket);
            CHECK(s >= 0 && s < kProducers);
            uint32_t seq;
            std::memcpy(&seq, p, 4);
            CHECK_EQ(seq, next[static_cast<size_t>(s)]);
            CHECK(ts >= last_stamp[static_cast<size_t>(s)]);  // one producer's stamps never go back
            last_stamp[static_cast<size_t>(s)] = ts;
            CHECK_EQ(len, 4 + static_cast<int32_t>(seq % 57));
            for (int32_t b = 4; b < len; b++) CHECK_EQ(p[b], static_cast<uint8_t>(seq * 31 + b));
            next[static_cast<size_t>(s)]++;
            return true;
        }, 256);
        total += static_cast<uint64_t>(n);
        if (n == 0) std::this_thread::yield();
    }
    for (auto& t : producers) t.join();
    for (int p = 0; p < kProducers; p++) CHECK_EQ(next[static_cast<size_t>(p)], kPerProducer);
    CHECK(!r.has_records());
}

// Sleep/wake: the consumer blocks only after prepare_to_sleep; producers wake
// it only when consumer_needs_wake says so. A lost wake-up shows as a long
// block while records wait; every record must arrive and wakes stay rare.
void test_sleep_wake() {
    Memory m(8192);
    Ring& r = m.ring;
    const int efd = eventfd(0, EFD_NONBLOCK);
    CHECK(efd >= 0);
    constexpr int kProducers = 2;
    constexpr int kPerProducer = 20000;
    std::atomic<int> wakes{0};
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; p++) {
        producers.emplace_back([&, p] {
            for (int i = 0; i < kPerProducer; i++) {
                while (!r.write(1, p, &i, 4)) std::this_thread::yield();
                if (r.consumer_needs_wake()) {
                    wakes++;
                    const uint64_t one = 1;
                    CHECK(write(efd, &one, 8) == 8);
                }
                if (i % 1000 == 0) usleep(200);  // let the consumer fall asleep now and then
            }
        });
    }
    int received = 0;
    int sleeps = 0;
    while (received < kProducers * kPerProducer) {
        const int n = r.read([&](int32_t, int64_t, int64_t, const uint8_t*, int32_t) { return true; }, 1000);
        received += n;
        if (n > 0 || r.has_records()) continue;
        if (!r.prepare_to_sleep()) continue;
        sleeps++;
        pollfd pfd{efd, POLLIN, 0};
        const int rc = poll(&pfd, 1, 5000);
        CHECK(rc == 1);  // 5 s without a wake while producers run: a lost wake-up
        uint64_t v;
        CHECK(read(efd, &v, 8) == 8);
        r.awake();
    }
    for (auto& t : producers) t.join();
    CHECK(sleeps > 0);
    std::printf("sleep/wake: %d records, %d sleeps, %d wakes\n", received, sleeps, wakes.load());
    close(efd);
}

}  // namespace

int main() {
    test_layout_constants();
    test_wrap_with_padding();
    test_full_ring_and_limits();
    test_timestamps();
    test_many_producers();
    test_sleep_wake();
    std::printf("ring_test: 6 passed, 0 failed\n");
    return 0;
}
