// A fixed log-linear latency histogram in microseconds: no allocation and no
// lock when recording, so an I/O worker can record on its hot path.
//
// Bucket scheme, shared with java/gameport/engine/LatencyBuckets.java (change
// the two together; gp_engine_send_latency_counts hands Java the counts by
// bucket index):
//   index 0..63      exactly 0..63 us
//   index 64..895    v in [2^e, 2^(e+1)) for e = 6..31 is split into 32 equal
//                    sub-buckets: index = 64 + (e - 6) * 32 + ((v >> (e - 5)) & 31)
//   >= 2^32 us (~71.6 minutes) goes to the last bucket; negative values to 0.
// A bucket's representative value is its midpoint, within 1/64 (1.6%) of any
// value in it.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

#include "engine.h"

namespace gameport {
namespace latency {

constexpr int32_t kExact = 64;           // values below are their own bucket
constexpr int32_t kSubBucketBits = 5;    // 32 sub-buckets per power of two
constexpr int32_t kFirstExponent = 6;    // 2^6 = kExact
constexpr int32_t kLastExponent = 31;    // covers up to 2^32 - 1 us
constexpr int32_t kBuckets = kExact + (kLastExponent - kFirstExponent + 1) * (1 << kSubBucketBits);
static_assert(kBuckets == GP_SEND_LATENCY_BUCKETS, "engine.h and this scheme disagree");

constexpr int32_t bucket_of(int64_t micros) {
    if (micros < kExact) return micros < 0 ? 0 : static_cast<int32_t>(micros);
    if (micros >> (kLastExponent + 1)) return kBuckets - 1;
    const int32_t e = 63 - std::countl_zero(static_cast<uint64_t>(micros));
    const int32_t sub = static_cast<int32_t>(micros >> (e - kSubBucketBits)) & ((1 << kSubBucketBits) - 1);
    return kExact + (e - kFirstExponent) * (1 << kSubBucketBits) + sub;
}

// Smallest value in the bucket and the bucket's width.
constexpr int64_t lowest_of(int32_t index) {
    if (index < kExact) return index;
    const int32_t e = kFirstExponent + (index - kExact) / (1 << kSubBucketBits);
    const int32_t sub = (index - kExact) % (1 << kSubBucketBits);
    return (int64_t{(1 << kSubBucketBits) + sub}) << (e - kSubBucketBits);
}
constexpr int64_t width_of(int32_t index) {
    if (index < kExact) return 1;
    return int64_t{1} << (kFirstExponent + (index - kExact) / (1 << kSubBucketBits) - kSubBucketBits);
}
constexpr int64_t value_of(int32_t index) { return lowest_of(index) + width_of(index) / 2; }

// Whole microseconds from one CLOCK_MONOTONIC stamp to a later one. The
// stamps come from another runtime's memory: wrapping unsigned arithmetic keeps
// even a garbage stamp from being signed overflow (it lands in bucket 0 or the last).
constexpr int64_t micros_between(int64_t from_nanos, int64_t to_nanos) {
    return static_cast<int64_t>(static_cast<uint64_t>(to_nanos) - static_cast<uint64_t>(from_nanos)) / 1000;
}

// Counts written by one thread only (its owner) and read by any thread. The
// owner's load+store is not an atomic increment, which is fine because nobody
// else writes; relaxed atomics only keep the concurrent reads free of data
// races. A reader sees each counter grow monotonically (read-read coherence),
// so differences between its successive snapshots are never negative.
class Histogram {
public:
    // Owner thread only.
    void record(int64_t micros, uint64_t count = 1) {
        std::atomic<uint64_t>& c = counts_[static_cast<size_t>(bucket_of(micros))];
        c.store(c.load(std::memory_order_relaxed) + count, std::memory_order_relaxed);
    }
    // Any thread: adds this histogram's cumulative counts to out[0, n).
    void add_to(int64_t* out, int32_t n) const {
        for (int32_t i = 0; i < n && i < kBuckets; i++) {
            out[i] += static_cast<int64_t>(counts_[static_cast<size_t>(i)].load(std::memory_order_relaxed));
        }
    }

private:
    std::array<std::atomic<uint64_t>, kBuckets> counts_{};
};

}  // namespace latency
}  // namespace gameport
