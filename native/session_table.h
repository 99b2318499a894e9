// Session slots, generations and per-session send queues. No OS calls: shared
// by every engine backend. A slot belongs to one worker for its whole life
// (slot % workers), so only that worker thread ever touches it; the table
// needs no locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framing.h"
#include "ring.h"

namespace gameport {

// Bytes the game wrote for one client. At most one send is in flight; bytes
// that arrive meanwhile go to `pending_` and leave, merged, with the next send.
// The in-flight buffer is never touched while the kernel reads it. Both vectors
// keep their capacity across sends (no allocation per send once warm).
//
// Latency: each buffer remembers how many SEND requests it holds and the
// oldest one's timestamp (no per-request bookkeeping, so no allocation); when
// the in-flight buffer has gone out in full, completed() reports them, and the
// pending buffer's oldest request starts the next measurement.
class SendQueue {
public:
    // `timestamp`: the SEND record's ring timestamp (CLOCK_MONOTONIC ns).
    void append(const uint8_t* data, size_t n, int64_t timestamp);
    // Bytes accepted from the game and not yet confirmed sent.
    size_t queued() const { return inflight_.size() - offset_ + pending_.size(); }
    bool busy() const { return busy_; }
    // If nothing is in flight and bytes wait, marks them in flight and returns
    // true with the span to send (the remainder of a short send goes first).
    bool start(const uint8_t** data, size_t* n);
    // The in-flight send wrote `sent` bytes (possibly fewer than asked). Returns
    // how many requests had their last byte sent by it (0 after a short send),
    // and if any, the oldest one's timestamp in *oldest_timestamp.
    uint32_t completed(size_t sent, int64_t* oldest_timestamp);
    // Drops everything; trims buffers a burst made large.
    void reset();

private:
    std::vector<uint8_t> inflight_;
    std::vector<uint8_t> pending_;
    size_t offset_ = 0;
    bool busy_ = false;
    uint32_t inflight_requests_ = 0;
    uint32_t pending_requests_ = 0;
    int64_t inflight_oldest_ = 0;
    int64_t pending_oldest_ = 0;
};

enum class SessionState : uint8_t {
    kFree,
    kOpen,     // reading and writing
    kLinger,   // a graceful close: flush queued sends, FIN, read and drop input until EOF or deadline
    kClosing,  // I/O cancelled; waiting for the last completion, then CLOSED
};

struct Session {
    uint32_t generation = 1;  // never 0, so a session handle is never 0
    SessionState state = SessionState::kFree;
    int64_t handle = -1;      // OS socket
    bool recv_inflight = false;
    bool send_inflight = false;
    bool cancel_inflight = false;
    bool accepted_published = false;
    bool on_retry_list = false;      // an event waits for room in the event ring
    bool reason_set = false;
    int32_t close_code = 0;
    std::string close_text;
    std::string peer;                // "ip:port"
    int64_t linger_deadline_ms = 0;
    bool write_shut = false;         // lingering: everything sent and FIN out, waiting for the peer's EOF
    bool peer_eof = false;           // lingering: the peer's FIN came before ours; close once ours is out
    uint64_t quota_round = 0;        // the worker round round_packets counts
    uint32_t round_packets = 0;      // PACKET events published in that round (kMaxPacketsPerSessionRound)
    std::unique_ptr<RecvBuffer> recv;  // allocated on first use, kept for the slot's next sessions
    SendQueue sends;

    // First reason wins: a protocol error followed by the peer's EOF stays a protocol error.
    void set_reason(int32_t code, std::string text) {
        if (reason_set) return;
        reason_set = true;
        close_code = code;
        close_text = std::move(text);
    }
};

class SessionTable {
public:
    SessionTable(uint32_t max_sessions, uint32_t workers);

    uint32_t capacity() const { return static_cast<uint32_t>(slots_.size()); }
    uint32_t worker_of(uint32_t slot) const { return slot % workers_; }

    // A free slot owned by `worker`, or UINT32_MAX when that worker's share is full.
    uint32_t acquire(uint32_t worker);
    // Ends the slot's current session: bumps the generation so every stale
    // handle and late completion misses, and returns the slot to the free list.
    void release(uint32_t slot);

    Session& at(uint32_t slot) { return slots_[slot]; }
    int64_t handle_of(uint32_t slot) const { return make_session(slot, slots_[slot].generation); }
    // The live session this handle names, or nullptr if it is stale or out of range.
    Session* find(int64_t session_handle);
    uint32_t live(uint32_t worker) const { return live_[worker]; }

private:
    std::vector<Session> slots_;
    std::vector<std::vector<uint32_t>> free_;  // per worker, a stack
    std::vector<uint32_t> live_;
    uint32_t workers_;
};

}  // namespace gameport
