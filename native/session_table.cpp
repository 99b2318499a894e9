#include "session_table.h"

namespace gameport {

void SendQueue::append(const uint8_t* data, size_t n, int64_t timestamp) {
    if (n == 0) return;  // nothing will be sent, so nothing to time
    // min, not first: several producers' stamps need not arrive in order.
    if (pending_requests_ == 0 || timestamp < pending_oldest_) pending_oldest_ = timestamp;
    pending_requests_++;
    pending_.insert(pending_.end(), data, data + n);
}

bool SendQueue::start(const uint8_t** data, size_t* n) {
    if (busy_) return false;
    if (offset_ == inflight_.size()) {
        if (pending_.empty()) return false;
        inflight_.swap(pending_);
        pending_.clear();
        offset_ = 0;
        inflight_requests_ = pending_requests_;
        inflight_oldest_ = pending_oldest_;
        pending_requests_ = 0;
    }
    busy_ = true;
    *data = inflight_.data() + offset_;
    *n = inflight_.size() - offset_;
    return true;
}

uint32_t SendQueue::completed(size_t sent, int64_t* oldest_timestamp) {
    busy_ = false;
    offset_ += sent;
    if (offset_ < inflight_.size()) return 0;
    inflight_.clear();
    offset_ = 0;
    const uint32_t done = inflight_requests_;
    inflight_requests_ = 0;
    *oldest_timestamp = inflight_oldest_;
    return done;
}

void SendQueue::reset() {
    constexpr size_t kKeep = 64 * 1024;
    busy_ = false;
    offset_ = 0;
    inflight_requests_ = pending_requests_ = 0;
    inflight_.clear();
    pending_.clear();
    if (inflight_.capacity() > kKeep) std::vector<uint8_t>().swap(inflight_);
    if (pending_.capacity() > kKeep) std::vector<uint8_t>().swap(pending_);
}

SessionTable::SessionTable(uint32_t max_sessions, uint32_t workers)
    : slots_(max_sessions), free_(workers), live_(workers, 0), workers_(workers) {
    // Pushed in reverse so low slots come out first (easier to read in logs).
    for (uint32_t s = max_sessions; s-- > 0;) free_[s % workers].push_back(s);
}

uint32_t SessionTable::acquire(uint32_t worker) {
    auto& list = free_[worker];
    if (list.empty()) return UINT32_MAX;
    const uint32_t slot = list.back();
    list.pop_back();
    live_[worker]++;
    return slot;
}

void SessionTable::release(uint32_t slot) {
    Session& s = slots_[slot];
    s.generation = s.generation == UINT32_MAX ? 1 : s.generation + 1;
    s.state = SessionState::kFree;
    s.handle = -1;
    s.recv_inflight = s.send_inflight = s.cancel_inflight = false;
    s.accepted_published = false;
    s.on_retry_list = false;
    s.reason_set = false;
    s.close_code = 0;
    s.close_text.clear();
    s.peer.clear();
    s.linger_deadline_ms = 0;
    s.write_shut = false;
    s.peer_eof = false;
    s.quota_round = 0;
    s.round_packets = 0;
    if (s.recv) s.recv->discard_rest();
    s.sends.reset();
    const uint32_t w = worker_of(slot);
    live_[w]--;
    free_[w].push_back(slot);
}

Session* SessionTable::find(int64_t session_handle) {
    const uint32_t slot = session_slot(session_handle);
    if (slot >= slots_.size()) return nullptr;
    Session& s = slots_[slot];
    if (s.state == SessionState::kFree || s.generation != session_generation(session_handle)) return nullptr;
    return &s;
}

}  // namespace gameport
