// The latency bucket scheme of latency.h (= LatencyBuckets.java) and the
// single-writer histogram.
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include "check.h"
#include "latency.h"

using namespace gameport;
using namespace gameport::latency;

namespace {

// value -> bucket -> representative value stays within the bucket's relative
// error (1/64 beyond the exact range); buckets tile the range with no gap.
void test_round_trip() {
    CHECK_EQ(kBuckets, 896);
    for (int64_t v = 0; v < kExact; v++) {
        CHECK_EQ(bucket_of(v), static_cast<int32_t>(v));
        CHECK_EQ(value_of(bucket_of(v)), v);
    }
    CHECK_EQ(bucket_of(-5), 0);
    CHECK_EQ(bucket_of(64), 64);
    CHECK_EQ(bucket_of(65), 64);
    CHECK_EQ(bucket_of(66), 65);
    CHECK_EQ(bucket_of(127), 95);
    CHECK_EQ(bucket_of(128), 96);
    CHECK_EQ(bucket_of((int64_t{1} << 32) - 1), kBuckets - 1);
    CHECK_EQ(bucket_of(int64_t{1} << 32), kBuckets - 1);     // beyond ~71 minutes: clamped
    CHECK_EQ(bucket_of(INT64_MAX), kBuckets - 1);
    CHECK_EQ(value_of(64), 65);
    CHECK_EQ(value_of(kBuckets - 1), (int64_t{63} << 26) + (int64_t{1} << 25));
    // Contiguous: each bucket starts where the previous one ends.
    for (int32_t i = 1; i < kBuckets; i++) CHECK_EQ(lowest_of(i), lowest_of(i - 1) + width_of(i - 1));
    CHECK_EQ(lowest_of(kBuckets - 1) + width_of(kBuckets - 1), int64_t{1} << 32);
    // Every bucket's edges and midpoint map back to it.
    for (int32_t i = 0; i < kBuckets; i++) {
        CHECK_EQ(bucket_of(lowest_of(i)), i);
        CHECK_EQ(bucket_of(lowest_of(i) + width_of(i) - 1), i);
        CHECK_EQ(bucket_of(value_of(i)), i);
    }
    // A spread of values (1 us .. ~1 h, ~1% steps, plus odd ones): the
    // representative is within 1/64 of the value.
    for (int64_t v = 1; v < 3'600'000'000; v += v / 97 + 1) {
        for (int64_t x : {v, v + 1, v * 3 / 2 + 7}) {
            if (x >= (int64_t{1} << 32)) continue;
            const int64_t rep = value_of(bucket_of(x));
            const int64_t err = rep > x ? rep - x : x - rep;
            CHECK(err * 64 <= x);
        }
    }
    CHECK_EQ(micros_between(1'000, 1'001'999), 1'000);
    CHECK(micros_between(2'000, 1'000) <= 0);                       // clock went back: bucket 0
    CHECK_EQ(bucket_of(micros_between(INT64_MAX, INT64_MIN)), 0);  // garbage stamps: no overflow
}

// One writer, one concurrent reader: the reader's snapshots never go back and
// the final one has every sample.
void test_histogram_single_writer() {
    static Histogram h;  // 7 KiB: not on the stack
    constexpr int kSamples = 200000;
    std::thread writer([] {
        for (int i = 0; i < kSamples; i++) h.record(i % 5000, i % 3 == 0 ? 2 : 1);
    });
    std::vector<int64_t> prev(kBuckets, 0);
    for (int round = 0; round < 200; round++) {
        std::vector<int64_t> now(kBuckets, 0);
        h.add_to(now.data(), kBuckets);
        for (int32_t i = 0; i < kBuckets; i++) CHECK(now[static_cast<size_t>(i)] >= prev[static_cast<size_t>(i)]);
        prev.swap(now);
    }
    writer.join();
    std::vector<int64_t> all(kBuckets, 0);
    h.add_to(all.data(), kBuckets);
    h.add_to(all.data(), 10);  // adds, and stops at n
    int64_t total = 0;
    for (int64_t c : all) total += c;
    int64_t expected = 0;
    for (int i = 0; i < kSamples; i++) expected += i % 3 == 0 ? 2 : 1;
    int64_t first10 = 0;
    for (int i = 0; i < kSamples; i++) {
        if (bucket_of(i % 5000) < 10) first10 += i % 3 == 0 ? 2 : 1;
    }
    CHECK_EQ(total, expected + first10);
}

}  // namespace

int main() {
    test_round_trip();
    test_histogram_single_writer();
    std::printf("latency_test: 2 passed, 0 failed\n");
    return 0;
}
