// The record ring shared with Java. The layout and protocol are specified in
// java/gameport/ring/RingDescriptor.java and implemented on the Java side by
// java/gameport/ring/ManyToOneRing.java; this file follows both to the byte, on
// the same memory, so change all three together.
//
// Memory-ordering mapping (Java VarHandle -> C++), which keeps the two sides
// compatible on the same words:
//   getVolatile/setVolatile/compareAndSet -> seq_cst
//   getAcquire / setRelease               -> acquire / release
//   plain get/set                         -> relaxed (only where Java is plain)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "clock.h"

namespace gameport {

namespace ringlayout {
constexpr int32_t kCacheLine = 128;
constexpr int32_t kTailOffset = 0;
constexpr int32_t kHeadCacheOffset = kCacheLine;
constexpr int32_t kHeadOffset = 2 * kCacheLine;
constexpr int32_t kConsumerStateOffset = 3 * kCacheLine;
constexpr int32_t kTrailerLength = 4 * kCacheLine;

// Record header: i32 length | i32 type | i64 session | i64 timestamp | payload.
constexpr int32_t kHeaderLength = 24;
constexpr int32_t kLengthOffset = 0;
constexpr int32_t kTypeOffset = 4;
constexpr int32_t kSessionOffset = 8;
constexpr int32_t kTimestampOffset = 16;
constexpr int32_t kAlignment = 8;

constexpr int32_t kConsumerRunning = 0;
constexpr int32_t kConsumerSleeping = 1;

constexpr int32_t kTypePadding = -1;
constexpr int32_t kEventAccepted = 1;
constexpr int32_t kEventPacket = 2;
constexpr int32_t kEventClosed = 3;
// Written by Engine.post (Java) from a thread of the server's own, never by the engine; the
// engine only wakes the game thread for it (gp_engine_wake_game).
constexpr int32_t kEventPosted = 4;
constexpr int32_t kRequestSend = 16;
constexpr int32_t kRequestClose = 17;

constexpr int32_t align(int32_t length) { return (length + kAlignment - 1) & ~(kAlignment - 1); }
}  // namespace ringlayout

constexpr uint32_t session_slot(int64_t session) { return static_cast<uint32_t>(session); }
constexpr uint32_t session_generation(int64_t session) {
    return static_cast<uint32_t>(static_cast<uint64_t>(session) >> 32);
}
constexpr int64_t make_session(uint32_t slot, uint32_t generation) {
    return static_cast<int64_t>((static_cast<uint64_t>(generation) << 32) | slot);
}

// Record timestamps: monotonic_nanos() of clock.h (the clock Java's
// System.nanoTime() reads on this platform).

// A view over `capacity + kTrailerLength` bytes owned by someone else (a Java
// direct buffer, or native memory for the engine's internal rings). The memory
// must be 8-byte aligned (Java direct buffers are) and zeroed before first use.
class Ring {
public:
    Ring() = default;
    Ring(void* memory, int32_t capacity)
        : base_(static_cast<uint8_t*>(memory)), capacity_(capacity), mask_(capacity - 1),
          max_record_(capacity / 8) {}

    static bool valid_capacity(int64_t capacity) {
        return capacity >= 4096 && capacity <= (1 << 30) && (capacity & (capacity - 1)) == 0;
    }

    uint8_t* memory() const { return base_; }
    int32_t capacity() const { return capacity_; }
    int32_t max_payload() const { return max_record_ - ringlayout::kHeaderLength; }

    // ---- producers (any number of threads) ----

    // Claims room for one record and writes its header with a negative length
    // so the consumer waits for it. Returns the record's index, or -1 when the
    // ring has no room now (backpressure: the caller keeps the data and retries).
    // `timestamp` is normally monotonic_nanos() now; a forwarded record keeps
    // its original producer's stamp.
    // The cache only moves forward (as in ManyToOneRing.advanceHeadCache): a producer descheduled
    // between reading head and storing it must not put back a value so old that tail - head no
    // longer fits an int32.
    void advance_head_cache(int64_t head) {
        std::atomic_ref<int64_t> cache = i64(capacity_ + ringlayout::kHeadCacheOffset);
        int64_t cached = cache.load(std::memory_order_acquire);
        while (head > cached &&
               !cache.compare_exchange_weak(cached, head, std::memory_order_release, std::memory_order_acquire)) {
        }
    }

    int32_t claim(int32_t type, int64_t session, int32_t payload_length, int64_t timestamp) {
        using namespace ringlayout;
        const int32_t record_length = kHeaderLength + payload_length;
        if (payload_length < 0 || record_length > max_record_) return -1;
        const int32_t required = align(record_length);
        // Acquire pairs with advance_head_cache's release (getAcquire in Java): a cached head
        // carries the consumer's zeroing with it. A stale value only makes the check conservative.
        int64_t head = i64(kHeadCacheOffset + capacity_).load(std::memory_order_acquire);
        int64_t tail;
        int32_t padding;
        int32_t tail_index;
        do {
            tail = i64(capacity_ + kTailOffset).load(std::memory_order_seq_cst);
            if (required > capacity_ - static_cast<int32_t>(tail - head)) {
                // Acquire pairs with the consumer's release of head: the bytes it
                // zeroed are visible before we reuse them.
                head = i64(capacity_ + kHeadOffset).load(std::memory_order_acquire);
                if (required > capacity_ - static_cast<int32_t>(tail - head)) return -1;
                advance_head_cache(head);
            }
            padding = 0;
            tail_index = static_cast<int32_t>(tail) & mask_;
            const int32_t to_end = capacity_ - tail_index;
            if (required > to_end) {
                // Records never wrap: a padding record fills the end, the record goes to 0.
                head = i64(capacity_ + kHeadOffset).load(std::memory_order_acquire);
                if (required + to_end > capacity_ - static_cast<int32_t>(tail - head)) return -1;
                advance_head_cache(head);
                padding = to_end;
            }
        } while (!i64(capacity_ + kTailOffset)
                          .compare_exchange_weak(tail, tail + required + padding,
                                                 std::memory_order_seq_cst));

        if (padding != 0) {
            i32(tail_index + kTypeOffset).store(kTypePadding, std::memory_order_relaxed);
            // Release: the type word is visible before the consumer sees the length.
            i32(tail_index + kLengthOffset).store(padding, std::memory_order_release);
            tail_index = 0;
        }
        i32(tail_index + kLengthOffset).store(-record_length, std::memory_order_release);
        i32(tail_index + kTypeOffset).store(type, std::memory_order_relaxed);
        i64(tail_index + kSessionOffset).store(session, std::memory_order_relaxed);
        i64(tail_index + kTimestampOffset).store(timestamp, std::memory_order_relaxed);
        return tail_index;
    }

    uint8_t* payload(int32_t at) const { return base_ + at + ringlayout::kHeaderLength; }

    // Release: type, session, timestamp and payload become visible with the
    // positive length, which the consumer reads with acquire.
    void publish(int32_t at, int32_t payload_length) {
        i32(at + ringlayout::kLengthOffset)
            .store(ringlayout::kHeaderLength + payload_length, std::memory_order_release);
    }

    bool write(int32_t type, int64_t session, const void* src, int32_t length) {
        return write_with_timestamp(type, session, monotonic_nanos(), src, length);
    }

    // For a record passed on from another ring: its age counts from the first write.
    bool write_with_timestamp(int32_t type, int64_t session, int64_t timestamp, const void* src, int32_t length) {
        const int32_t at = claim(type, session, length, timestamp);
        if (at < 0) return false;
        if (length > 0) std::memcpy(payload(at), src, static_cast<size_t>(length));
        publish(at, length);
        return true;
    }

    // Payload: i32 code (native order), then `text`.
    bool write_with_code(int32_t type, int64_t session, int32_t code, const char* text,
                         int32_t text_length) {
        const int32_t at = claim(type, session, 4 + text_length, monotonic_nanos());
        if (at < 0) return false;
        std::memcpy(payload(at), &code, 4);
        if (text_length > 0) std::memcpy(payload(at) + 4, text, static_cast<size_t>(text_length));
        publish(at, 4 + text_length);
        return true;
    }

    // Producer, after publishing a batch: true if the consumer announced a sleep
    // and this caller won the right to wake it. The seq_cst fence orders our
    // publication (a release store) before the state load; the consumer's
    // seq_cst store of SLEEPING is followed by its own look at the ring, so one of
    // the two sides always sees the other (RingDescriptor, "Sleeping").
    bool consumer_needs_wake() {
        using namespace ringlayout;
        std::atomic_thread_fence(std::memory_order_seq_cst);
        auto state = i32(capacity_ + kConsumerStateOffset);
        int32_t expected = kConsumerSleeping;
        return state.load(std::memory_order_seq_cst) == kConsumerSleeping &&
               state.compare_exchange_strong(expected, kConsumerRunning, std::memory_order_seq_cst);
    }

    // ---- the one consumer ----

    // Hands records to `handler(type, session, timestamp, payload, length)` in order, up to
    // `limit`. The handler returns false to stop *before* that record, which then
    // stays in the ring for the next call (backpressure downstream). Stops at the
    // wrap point; the next call continues from index 0. Returns records handled.
    template <typename Handler>
    int read(Handler&& handler, int limit) {
        using namespace ringlayout;
        const int64_t head = i64(capacity_ + kHeadOffset).load(std::memory_order_relaxed);
        const int32_t head_index = static_cast<int32_t>(head) & mask_;
        const int32_t contiguous = capacity_ - head_index;
        int32_t bytes_read = 0;
        int records = 0;
        while (bytes_read < contiguous && records < limit) {
            const int32_t at = head_index + bytes_read;
            // Acquire pairs with the producer's release in publish().
            const int32_t length = i32(at + kLengthOffset).load(std::memory_order_acquire);
            if (length <= 0) break;
            const int32_t type = i32(at + kTypeOffset).load(std::memory_order_relaxed);
            if (type != kTypePadding) {
                // Relaxed is enough: the acquire load of length above ordered these.
                const int64_t session = i64(at + kSessionOffset).load(std::memory_order_relaxed);
                const int64_t timestamp = i64(at + kTimestampOffset).load(std::memory_order_relaxed);
                if (!handler(type, session, timestamp, base_ + at + kHeaderLength, length - kHeaderLength)) break;
                records++;
            }
            bytes_read += align(length);
        }
        if (bytes_read > 0) {
            // The next lap must read length 0 here. Zeroing through atomics keeps it
            // race-free with respect to producers' later atomic length stores.
            for (int32_t i = head_index; i < head_index + bytes_read; i += 8) {
                i64(i).store(0, std::memory_order_relaxed);
            }
            // Release: the zeroes are visible before producers may claim this space.
            i64(capacity_ + kHeadOffset).store(head + bytes_read, std::memory_order_release);
        }
        return records;
    }

    bool has_records() const {
        using namespace ringlayout;
        const int64_t head = i64(capacity_ + kHeadOffset).load(std::memory_order_seq_cst);
        return i64(capacity_ + kTailOffset).load(std::memory_order_seq_cst) != head;
    }

    int64_t size() const {
        using namespace ringlayout;
        return i64(capacity_ + kTailOffset).load(std::memory_order_seq_cst) -
               i64(capacity_ + kHeadOffset).load(std::memory_order_seq_cst);
    }

    // Consumer, before blocking: true if it may block. The seq_cst store of
    // SLEEPING comes before the seq_cst look at tail; see consumer_needs_wake().
    bool prepare_to_sleep() {
        using namespace ringlayout;
        i32(capacity_ + kConsumerStateOffset).store(kConsumerSleeping, std::memory_order_seq_cst);
        if (has_records()) {
            i32(capacity_ + kConsumerStateOffset).store(kConsumerRunning, std::memory_order_seq_cst);
            return false;
        }
        return true;
    }

    void awake() {
        i32(capacity_ + ringlayout::kConsumerStateOffset)
            .store(ringlayout::kConsumerRunning, std::memory_order_seq_cst);
    }

private:
    // The memory is shared with another language runtime, so every word the
    // protocol races on is accessed atomically through atomic_ref.
    std::atomic_ref<int64_t> i64(int32_t offset) const {
        return std::atomic_ref<int64_t>(*reinterpret_cast<int64_t*>(base_ + offset));
    }
    std::atomic_ref<int32_t> i32(int32_t offset) const {
        return std::atomic_ref<int32_t>(*reinterpret_cast<int32_t*>(base_ + offset));
    }

    uint8_t* base_ = nullptr;
    int32_t capacity_ = 0;
    int32_t mask_ = 0;
    int32_t max_record_ = 0;
};

}  // namespace gameport
