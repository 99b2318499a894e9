// One worker's session state machine, the same on every platform: requests
// from the game, packets cut out of received bytes, one send in flight per
// session, linger on CLOSE, teardown and the CLOSED event. The OS part starts
// operations through the os_* hooks and reports their ends through
// recv_done / send_done / cancel_done (engine_core.h).
#include <algorithm>
#include <cstring>
#include <new>

#include "engine_core.h"

namespace gameport {

WorkerCore::WorkerCore(EngineCore* engine, uint32_t index)
    : engine_(engine), index_(index), window_nanos_(int64_t{engine->config.batch_us} * 1000) {
    send_dirty_.assign(engine->table.capacity(), 0);
    touched_workers_.assign(static_cast<size_t>(engine->config.workers), false);
}

WorkerCore::~WorkerCore() {
    if (inbox_memory_) ::operator delete(inbox_memory_, std::align_val_t(ringlayout::kCacheLine));
}

bool WorkerCore::init_inbox(std::string* err) {
    if (index_ == 0) {
        inbox_ = engine_->requests;
        return true;
    }
    const int32_t cap = engine_->requests.capacity();
    const size_t bytes = static_cast<size_t>(cap) + ringlayout::kTrailerLength;
    // Aligned new, not aligned_alloc: the Windows C runtime has no aligned_alloc.
    inbox_memory_ = ::operator new(bytes, std::align_val_t(ringlayout::kCacheLine), std::nothrow);
    if (!inbox_memory_) {
        *err = "out of memory for a worker inbox";
        return false;
    }
    std::memset(inbox_memory_, 0, bytes);
    inbox_ = Ring(inbox_memory_, cap);
    return true;
}

bool WorkerCore::start(std::string* err) {
    try {
        thread_ = std::thread([this] { thread_main(); });
    } catch (const std::exception& e) {  // std::system_error: no thread to be had
        *err = "cannot start I/O worker " + std::to_string(index_) + ": " + e.what();
        return false;
    }
    std::unique_lock<std::mutex> lock(start_mutex_);
    start_cv_.wait(lock, [this] { return start_state_ != 0; });
    if (start_state_ < 0) {
        *err = start_error_;
        return false;
    }
    return true;
}

void WorkerCore::join() {
    if (thread_.joinable()) thread_.join();
}

// Nothing escapes this function (std::terminate would take the JVM with it): a failure marks
// the engine failed (which wakes the game thread), drops this worker's OS operations and
// sockets, and ends the thread; stop() joins it as any other.
void WorkerCore::thread_main() {
    std::string err;
    bool ok = false;
    try {
        ok = os_thread_init(&err);
    } catch (const std::exception& e) {
        engine_->fail_worker(index_, e.what());
        err = engine_->failure();
    } catch (...) {
        engine_->fail_worker(index_, "unknown exception");
        err = engine_->failure();
    }
    {
        std::lock_guard<std::mutex> lock(start_mutex_);
        start_state_ = ok ? 1 : -1;
        start_error_.swap(err);  // no allocation under the lock
    }
    start_cv_.notify_all();
    if (!ok) return;
    try {
        while (turn(-1)) {
        }
        report_dropped();
        return;
    } catch (const std::exception& e) {
        engine_->fail_worker(index_, e.what());
    } catch (...) {
        engine_->fail_worker(index_, "unknown exception");
    }
    abandon();
    // Release: worker 0 (acquire in handle_request) stops forwarding to an inbox nobody reads.
    dead_.store(true, std::memory_order_release);
}

void WorkerCore::abandon() noexcept {
    if (abandoned_) return;
    abandoned_ = true;
    try {
        os_abandon();
    } catch (...) {
        // Nothing more to do: the sockets that are left close with the process.
    }
}

void WorkerCore::wake_game_if_published() {
    if (!published_events_) return;
    published_events_ = false;
    if (engine_->events.consumer_needs_wake()) engine_->wake_game();
}

bool WorkerCore::session_accepted(int64_t handle, std::string peer) {
    completions_++;
    const uint32_t slot = stopping_ ? UINT32_MAX : engine_->table.acquire(index_);
    if (slot == UINT32_MAX) {
        refuse(handle);
        return true;
    }
    Session& s = engine_->table.at(slot);
    s.state = SessionState::kOpen;
    s.handle = handle;
    s.peer = std::move(peer);
    if (!os_attach(slot, s)) {
        s.handle = -1;  // the caller closes it
        engine_->table.release(slot);
        return false;
    }
    after_receive(slot);  // publishes ACCEPTED, then arms the first receive
    return true;
}

// No session for this connection: tell the client why (SC_LOGIN_FAIL) rather than reset it, and
// count it; the log says how many, at most once per kRefusalLogMs, not once per connection.
void WorkerCore::refuse(int64_t handle) {
    os_refuse(handle, kRefusalPacket, sizeof kRefusalPacket);
    (stopping_ ? refused_stopping_ : refused_full_)++;
    log_refusals(now_ms(), false);
}

void WorkerCore::log_refusals(int64_t now, bool force) {
    const uint64_t n = refused_full_ + refused_stopping_;
    if (n == 0 || (!force && refusal_log_ms_ != 0 && now < refusal_log_ms_ + kRefusalLogMs)) return;
    std::string why;
    if (refused_full_) {
        why = "session table full (" + std::to_string(engine_->config.max_sessions) + " per worker)";
        if (refused_stopping_) why += ": " + std::to_string(refused_full_) + ", ";
    }
    if (refused_stopping_) {
        why += "server stopping";
        if (refused_full_) why += ": " + std::to_string(refused_stopping_);
    }
    if (refusal_log_ms_ == 0) {
        log_line("worker %u: %llu connection(s) refused with SC_LOGIN_FAIL, %s; further refusals are counted and "
                 "logged at most every %lld s",
                 index_, static_cast<unsigned long long>(n), why.c_str(),
                 static_cast<long long>(kRefusalLogMs / 1000));
    } else {
        log_line("worker %u: %llu more connection(s) refused with SC_LOGIN_FAIL in the last %.1f s, %s", index_,
                 static_cast<unsigned long long>(n), static_cast<double>(now - refusal_log_ms_) / 1000.0, why.c_str());
    }
    refusal_log_ms_ = now;
    refused_full_ = refused_stopping_ = 0;
}

// After bytes arrive (or at accept, or on retry): publish what can be
// published, then either re-arm the receive or wait for ring room (or, capped, for the next round).
void WorkerCore::after_receive(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (s.state != SessionState::kOpen) return;
    if (!s.accepted_published) {
        if (!engine_->events.write(ringlayout::kEventAccepted, engine_->table.handle_of(slot), s.peer.data(),
                                   static_cast<int32_t>(s.peer.size()))) {
            add_retry(slot);
            return;
        }
        s.accepted_published = true;
        published_events_ = true;
    }
    std::string reason;
    const Publish p = publish_packets(s, slot, &reason);
    switch (p) {
        case Publish::kDone:
            if (!s.recv_inflight) submit_recv(slot);
            break;
        case Publish::kBlocked:
        case Publish::kCapped:
            // No receive armed: the socket buffer fills and TCP pushes back. A capped session
            // goes on next round; a blocked one once the ring has room.
            add_retry(slot, p == Publish::kCapped);
            // A multishot receive stays armed: stop it, or it would go on delivering.
            if (s.recv_inflight) os_pause_recv(slot, s);
            break;
        case Publish::kBad:
            s.set_reason(kProtocolError, reason);
            s.recv->discard_rest();
            begin_teardown(slot);
            break;
    }
}

bool WorkerCore::packet_allowed(Session& s) {
    if (s.quota_round != round_) {
        s.quota_round = round_;
        s.round_packets = 0;
    }
    return s.round_packets < kMaxPacketsPerSessionRound;
}

WorkerCore::Publish WorkerCore::publish_packets(Session& s, uint32_t slot, std::string* reason) {
    if (!s.recv) return Publish::kDone;
    RecvBuffer& rb = *s.recv;
    for (;;) {
        size_t size = 0;
        switch (rb.next(&size, reason)) {
            case RecvBuffer::Next::kNeedMore: return Publish::kDone;
            case RecvBuffer::Next::kBad: return Publish::kBad;
            case RecvBuffer::Next::kPacket:
                if (!packet_allowed(s)) return Publish::kCapped;
                if (!engine_->events.write(ringlayout::kEventPacket, engine_->table.handle_of(slot), rb.front(),
                                           static_cast<int32_t>(size))) {
                    return Publish::kBlocked;
                }
                s.round_packets++;
                published_events_ = true;
                rb.consume(size);
                break;
        }
    }
}

void WorkerCore::submit_recv(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    uint8_t* buf = nullptr;
    size_t len = 0;
    if (!os_provides_buffers()) {
        if (!s.recv) s.recv = std::make_unique<RecvBuffer>();
        s.recv->compact();
        buf = s.recv->write_ptr();
        len = s.recv->write_space();
    }
    int error = 0;
    if (!os_recv(slot, s, buf, len, &error)) {
        s.set_reason(os_peer_gone(error) ? kPeerClosed : kIoError, os_error_text("recv", error));
        begin_teardown(slot);
        return;
    }
    s.recv_inflight = true;
}

void WorkerCore::recv_done(uint32_t slot, bool ok, size_t bytes, int error) {
    completions_++;
    Session& s = engine_->table.at(slot);
    s.recv_inflight = false;
    if (s.state == SessionState::kClosing) {
        maybe_finish(slot);
        return;
    }
    if (!ok || bytes == 0) {
        if (ok && s.state == SessionState::kLinger && !s.write_shut) {
            // The peer is done sending but may still read: what is queued for it goes out,
            // then our FIN, and then the close (linger_sent), with no input left unread.
            s.peer_eof = true;
            return;
        }
        if (ok) {
            s.set_reason(kPeerClosed, "peer closed the connection");
        } else {
            s.set_reason(os_peer_gone(error) ? kPeerClosed : kIoError, os_error_text("recv", error));
        }
        begin_teardown(slot);
        return;
    }
    if (s.state == SessionState::kLinger) {
        // The game asked to close: what the client still sends is not wanted.
        s.recv->discard_rest();
        submit_recv(slot);
        return;
    }
    s.recv->commit(bytes);
    after_receive(slot);
}

void WorkerCore::recv_data(uint32_t slot, const uint8_t* data, size_t n, bool armed) {
    completions_++;
    Session& s = engine_->table.at(slot);
    s.recv_inflight = armed;
    if (s.state == SessionState::kClosing) {
        if (!armed) maybe_finish(slot);
        return;
    }
    if (s.state == SessionState::kLinger) {
        // The game asked to close: what the client still sends is not wanted.
        if (!armed) submit_recv(slot);
        return;
    }
    // Nothing buffered and nothing waiting for ring room: cut the packets where the kernel put
    // them, so a session whose packets arrive whole never needs a receive buffer of its own.
    const bool queued = (s.recv && s.recv->buffered() > 0) || s.on_retry_list || !s.accepted_published;
    if (!queued) {
        std::string reason;
        while (n > 0) {
            size_t size = 0;
            const RecvBuffer::Next next = RecvBuffer::cut(data, n, &size, &reason);
            if (next == RecvBuffer::Next::kNeedMore) break;
            if (next == RecvBuffer::Next::kBad) {
                s.set_reason(kProtocolError, reason);
                begin_teardown(slot);
                return;
            }
            // Over its cap this round, or no room: the rest waits in the receive buffer.
            if (!packet_allowed(s)) break;
            if (!engine_->events.write(ringlayout::kEventPacket, engine_->table.handle_of(slot), data,
                                       static_cast<int32_t>(size))) {
                break;
            }
            s.round_packets++;
            published_events_ = true;
            data += size;
            n -= size;
        }
    }
    if (n > 0) {
        if (!s.recv) s.recv = std::make_unique<RecvBuffer>();
        if (!s.recv->append(data, n)) {
            // Only while the game is behind (the events ring full) do bytes pile up here; a
            // client that sends this much meanwhile is flooding.
            s.set_reason(kProtocolError, "flooding: over " + std::to_string(RecvBuffer::kMaxBacklog) +
                                             " bytes received while the game could not take them");
            s.recv->discard_rest();
            begin_teardown(slot);
            return;
        }
    }
    after_receive(slot);
}

void WorkerCore::recv_stopped(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    s.recv_inflight = false;
    switch (s.state) {
        case SessionState::kClosing: maybe_finish(slot); break;
        case SessionState::kLinger: submit_recv(slot); break;
        case SessionState::kOpen:
            if (!s.on_retry_list) after_receive(slot);  // else the retry re-arms once the ring has room
            break;
        default: break;
    }
}

void WorkerCore::submit_send(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    const uint8_t* data;
    size_t n;
    if (s.send_inflight || !s.sends.start(&data, &n)) return;
    int error = 0;
    // One call moves at most 1 GiB; the rest goes as a resumed short send.
    if (!os_send(slot, s, data, std::min<size_t>(n, 1u << 30), &error)) {
        int64_t ignored = 0;
        s.sends.completed(0, &ignored);  // nothing went out; the queue is not busy any more
        s.set_reason(os_peer_gone(error) ? kPeerClosed : kIoError, os_error_text("send", error));
        begin_teardown(slot);
        return;
    }
    s.send_inflight = true;
}

void WorkerCore::send_done(uint32_t slot, bool ok, size_t bytes, int error) {
    completions_++;
    Session& s = engine_->table.at(slot);
    s.send_inflight = false;
    int64_t oldest = 0;
    // Counted even when the session is closing: these bytes did reach the socket.
    if (const uint32_t done = s.sends.completed(ok ? bytes : 0, &oldest)) {
        send_latency_.record(latency::micros_between(oldest, monotonic_nanos()), done);
    }
    if (s.state == SessionState::kClosing) {
        maybe_finish(slot);
        return;
    }
    if (!ok) {
        s.set_reason(os_peer_gone(error) ? kPeerClosed : kIoError, os_error_text("send", error));
        begin_teardown(slot);
        return;
    }
    submit_send(slot);  // a short send's rest, or what queued meanwhile
    if (s.state == SessionState::kLinger && !s.send_inflight) linger_sent(slot);
}

// A graceful close (a CLOSE whose reason is not abortive, or a stop): whatever is queued goes out
// (flush_dirty_sends), then FIN (linger_sent), then the session reads and drops input until the
// peer's EOF or the deadline (process_lingering). Packets received and not published yet are
// dropped: the game asked to close. SENDs that come after this are dropped (handle_request).
void WorkerCore::start_linger(uint32_t slot, int64_t deadline_ms) {
    Session& s = engine_->table.at(slot);
    s.state = SessionState::kLinger;
    s.linger_deadline_ms = deadline_ms;
    lingering_.push_back(slot);
    if (s.recv) s.recv->discard_rest();
    // Keep reading, nothing queued or not: unread input would turn the close into a reset. A
    // multishot receive that is being paused comes back through recv_stopped and is re-armed.
    if (!s.recv_inflight) submit_recv(slot);
    if (s.state == SessionState::kLinger) mark_dirty(slot);  // flush_dirty_sends: the rest, then FIN
}

// A lingering session's last byte is in the socket: send FIN, but close only at the peer's EOF
// (recv_done) or the linger deadline. Closing now, with bytes the client sent still unread, would
// make the kernel answer with a reset and drop what it has not transmitted yet.
void WorkerCore::linger_sent(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (s.write_shut) return;
    os_shutdown_write(s);
    s.write_shut = true;
    if (s.peer_eof) {
        begin_teardown(slot);  // its EOF came first: nothing unread, the close is clean
        return;
    }
    if (!s.recv_inflight) submit_recv(slot);  // to see the EOF
}

void WorkerCore::begin_teardown(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (s.state == SessionState::kClosing || s.state == SessionState::kFree) return;
    s.state = SessionState::kClosing;
    // The handle is released only after the last completion (maybe_finish):
    // the OS may still write into this slot's buffers until then.
    if ((s.recv_inflight || s.send_inflight) && os_cancel(slot, s)) s.cancel_inflight = true;
    maybe_finish(slot);
}

void WorkerCore::cancel_done(uint32_t slot) {
    engine_->table.at(slot).cancel_inflight = false;
    maybe_finish(slot);
}

void WorkerCore::maybe_finish(uint32_t slot) {
    Session& s = engine_->table.at(slot);
    if (s.state != SessionState::kClosing || s.recv_inflight || s.send_inflight || s.cancel_inflight) return;
    if (s.handle >= 0) {
        os_close(s);
        s.handle = -1;
    }
    if (s.accepted_published) {
        // CLOSED is the session's last event: packets cut before the end go first.
        std::string ignored;
        Publish p = publish_packets(s, slot, &ignored);
        if (p == Publish::kBad) {
            s.recv->discard_rest();
            p = Publish::kDone;
        }
        // Capped: the rest of its packets next round, CLOSED after them.
        if (p == Publish::kDone) {
            const int32_t room = engine_->events.max_payload() - 4;
            const int32_t text_len = std::min<int32_t>(static_cast<int32_t>(s.close_text.size()), room);
            if (engine_->events.write_with_code(ringlayout::kEventClosed, engine_->table.handle_of(slot),
                                                s.close_code, s.close_text.data(), text_len)) {
                published_events_ = true;
                engine_->table.release(slot);
                return;
            }
        }
        if (!stopping_ || now_ms() < stop_deadline_ms_) {
            add_retry(slot, p == Publish::kCapped);
            return;
        }
        dropped_closed_++;  // stopping and nobody drains the ring any more
    }
    engine_->table.release(slot);
}

void WorkerCore::add_retry(uint32_t slot, bool next_round) {
    Session& s = engine_->table.at(slot);
    if (next_round) retry_next_round_ = true;
    if (s.on_retry_list) return;
    s.on_retry_list = true;
    retry_.push_back(slot);
}

void WorkerCore::process_retries() {
    retry_next_round_ = false;  // set again by whoever is capped again this round
    if (retry_.empty()) return;
    std::vector<uint32_t> todo;
    todo.swap(retry_);
    for (uint32_t slot : todo) {
        Session& s = engine_->table.at(slot);
        s.on_retry_list = false;
        if (s.state == SessionState::kOpen) {
            after_receive(slot);
        } else if (s.state == SessionState::kClosing) {
            maybe_finish(slot);
        }
        // kLinger: nothing waits for the ring any more (start_linger dropped the packets).
    }
    // Keep the larger buffer: no allocation per round once warm.
    if (retry_.empty()) {
        todo.clear();
        retry_.swap(todo);
    }
}

void WorkerCore::process_lingering(int64_t now) {
    if (lingering_.empty()) return;
    size_t keep = 0;
    for (uint32_t slot : lingering_) {
        Session& s = engine_->table.at(slot);
        if (s.state != SessionState::kLinger) continue;
        if (now >= s.linger_deadline_ms) {
            begin_teardown(slot);
        } else {
            lingering_[keep++] = slot;
        }
    }
    lingering_.resize(keep);
}

void WorkerCore::mark_dirty(uint32_t slot) {
    if (send_dirty_[slot]) return;
    send_dirty_[slot] = 1;
    dirty_.push_back(slot);
}

bool WorkerCore::handle_request(int32_t type, int64_t session, int64_t timestamp, const uint8_t* payload,
                                int32_t length) {
    const uint32_t slot = session_slot(session);
    SessionTable& table = engine_->table;
    if (slot >= table.capacity()) return true;  // garbage: nothing to do
    const uint32_t owner = table.worker_of(slot);
    if (owner != index_) {
        // Only worker 0 gets here (it alone reads the requests ring).
        WorkerCore& w = *engine_->workers[owner];
        // The original stamp goes along: the hop through the inbox is part of the latency.
        if (!w.inbox_.write_with_timestamp(type, session, timestamp, payload, length)) {
            if (w.dead()) return true;  // that worker failed: nobody will ever read its inbox
            inbox_blocked_ = true;
            return false;  // stays in the requests ring; retried after a pause
        }
        touched_workers_[owner] = true;
        return true;
    }
    Session* s = table.find(session);
    // Stale generation, or a session already closing: its CLOSED is on the way.
    if (!s || s->state != SessionState::kOpen) return true;
    if (type == ringlayout::kRequestSend) {
        s->sends.append(payload, static_cast<size_t>(length), timestamp);
        const size_t queued = s->sends.queued();
        if (queued > static_cast<size_t>(engine_->config.max_pending_bytes)) {
            s->set_reason(kSlowConsumer, std::to_string(queued) + " bytes queued > max " +
                                             std::to_string(engine_->config.max_pending_bytes));
            begin_teardown(slot);
        } else {
            mark_dirty(slot);
        }
    } else if (type == ringlayout::kRequestClose) {
        int32_t code = kIoError;
        std::string text;
        if (length >= 4) {
            std::memcpy(&code, payload, 4);
            text.assign(reinterpret_cast<const char*>(payload) + 4, static_cast<size_t>(length - 4));
        }
        s->set_reason(code, std::move(text));
        if (close_is_abortive(code)) {
            // An abuser: closed at once, its queued bytes and unpublished packets dropped.
            if (s->recv) s->recv->discard_rest();
            begin_teardown(slot);
        } else {
            // Also with nothing queued: FIN and the wait for the peer's EOF still matter.
            start_linger(slot, now_ms() + kLingerMs);
        }
    }
    return true;
}

// One send per touched session per drain: everything the game wrote for it in
// this batch leaves merged.
void WorkerCore::flush_dirty_sends() {
    for (uint32_t slot : dirty_) {
        send_dirty_[slot] = 0;
        Session& s = engine_->table.at(slot);
        if (s.state == SessionState::kOpen || s.state == SessionState::kLinger) {
            submit_send(slot);
            if (s.state == SessionState::kLinger && !s.send_inflight && s.sends.queued() == 0) {
                linger_sent(slot);
            }
        }
    }
    dirty_.clear();
}

bool WorkerCore::drain_inbox() {
    inbox_blocked_ = false;
    const int n = inbox_.read(
        [&](int32_t type, int64_t session, int64_t timestamp, const uint8_t* payload, int32_t length) {
            return handle_request(type, session, timestamp, payload, length);
        },
        kRequestsPerDrain);
    flush_dirty_sends();
    if (index_ == 0) {
        for (size_t k = 1; k < touched_workers_.size(); k++) {
            if (!touched_workers_[k]) continue;
            touched_workers_[k] = false;
            WorkerCore& w = *engine_->workers[k];
            if (w.inbox_.consumer_needs_wake()) w.wake();
        }
    }
    return n > 0;
}

Session* WorkerCore::session_for(uint32_t slot, uint32_t generation, unsigned op) {
    if (slot >= engine_->table.capacity()) return nullptr;
    Session& s = engine_->table.at(slot);
    if (s.state == SessionState::kFree || s.generation != generation) {
        // Counted, not logged each: were it ever common, a line per completion would flood the log.
        stale_completions_++;
        const int64_t now = now_ms();
        if (stale_log_ms_ == 0 || now >= stale_log_ms_ + 10'000) {
            log_line("worker %u: %llu completion(s) for a stale session ignored (the last: slot %u op %u)", index_,
                     static_cast<unsigned long long>(stale_completions_), slot, op);
            stale_log_ms_ = now;
            stale_completions_ = 0;
        }
        return nullptr;
    }
    return &s;
}

// A stop, first step: accept no more (a connection that still comes in is refused), and from now
// on everything is bounded by stop_deadline_ms_.
void WorkerCore::stop_seen(int64_t now) {
    stopping_ = true;
    stop_deadline_ms_ = now + kShutdownLingerMs;
    os_begin_shutdown();
}

// The game writes its last requests (a CLOSE for every session, say) just before it stops the
// engine: they must reach their sessions before those linger, or they would be dropped. Worker 0
// takes everything left in the requests ring, forwarding what belongs to the others, and then
// lets them go on; each of them empties its inbox first. Bounded by the stop deadline (and a
// failed engine waits for nobody).
bool WorkerCore::ready_to_shut_down(int64_t now) {
    const bool give_up = now >= stop_deadline_ms_ || engine_->failed();
    if (index_ == 0 || engine_->requests_drained.load(std::memory_order_acquire) || give_up) {
        // At most a ring's worth of drains: a producer that keeps writing cannot hold us here.
        const int drains = engine_->requests.capacity() / (ringlayout::kHeaderLength * kRequestsPerDrain) + 2;
        for (int i = 0; i < drains && inbox_.has_records() && !inbox_blocked_; i++) drain_inbox();
        if (index_ != 0) return true;
        // Some inbox is full: its worker empties it; try again next turn.
        if (inbox_.has_records() && !give_up) return false;
        // Release: the forwarded records are in the inboxes before the others see the flag.
        engine_->requests_drained.store(true, std::memory_order_release);
        for (size_t k = 1; k < engine_->workers.size(); k++) engine_->workers[k]->wake();
        return true;
    }
    return false;
}

// A stop, second step: every open session of this worker gets a graceful close (SERVER_SHUTDOWN);
// those the game closed already linger on, until stop_deadline_ms_ at the latest.
void WorkerCore::begin_shutdown() {
    shut_down_ = true;
    SessionTable& table = engine_->table;
    for (uint32_t slot = index_; slot < table.capacity(); slot += static_cast<uint32_t>(engine_->config.workers)) {
        Session& s = table.at(slot);
        if (s.state == SessionState::kOpen) {
            s.set_reason(kServerShutdown, "server shutdown");
            start_linger(slot, stop_deadline_ms_);
        } else if (s.state == SessionState::kLinger) {
            s.linger_deadline_ms = std::min(s.linger_deadline_ms, stop_deadline_ms_);
        }
    }
    flush_dirty_sends();
}

bool WorkerCore::turn(int64_t max_wait_nanos) {
    round_++;
    if (injected_failure_.load(std::memory_order_relaxed) != 0) {
        const int32_t kind = injected_failure_.exchange(0, std::memory_order_relaxed);
        if (kind == 1) throw std::bad_alloc();
        if (kind == 2) injected_os_error_ = true;
    }
    int64_t now = now_ms();
    // Acquire pairs with stop()'s release store.
    if (!stopping_ && engine_->stopping.load(std::memory_order_acquire)) stop_seen(now);
    if (stopping_ && !shut_down_ && ready_to_shut_down(now)) begin_shutdown();
    if (shut_down_ && engine_->table.live(index_) == 0 && os_quiesced()) return false;
    if (stopping_ && now >= stop_deadline_ms_ + kShutdownAbandonMs) {
        // The OS did not end the last operations in time: give up on them rather than hang.
        log_line("worker %u: %u session(s) still open %lld ms after the stop began; abandoned", index_,
                 engine_->table.live(index_), static_cast<long long>(kShutdownLingerMs + kShutdownAbandonMs));
        report_dropped();
        abandon();
        return false;
    }

    bool busy = false;
    if (!shut_down_) busy = drain_inbox();
    process_retries();
    now = now_ms();
    process_lingering(now);
    const bool ticking = os_tick(now);
    log_refusals(now, false);

    int64_t timeout = max_wait_nanos;
    const auto at_most = [&timeout](int64_t t) { timeout = timeout < 0 ? t : std::min(timeout, t); };
    if (retry_next_round_) {
        // A session had its kMaxPacketsPerSessionRound: its next packets go out next round, which
        // starts as soon as this one's completions are handled (inline: when the caller polls again).
        at_most(0);
    } else if (!retry_.empty() || inbox_blocked_) {
        // Inline, the events ring is full until our caller drains it: return to it at once.
        // Stopping, nobody drains it any more: look again after the pause instead of spinning.
        at_most(engine_->inline_io && !stopping_ ? 0 : kRetryNanos);
    }
    if (!lingering_.empty() || ticking || stopping_) at_most(kTickNanos);
    if (refused_full_ + refused_stopping_ > 0) {  // their log line is due then
        at_most(std::max<int64_t>(0, refusal_log_ms_ + kRefusalLogMs - now) * 1'000'000);
    }
    // The game must hear of events published above before we block.
    wake_game_if_published();
    bool block = false;
    bool announced = false;
    if (engine_->inline_io) {
        // The caller reads the requests ring itself before it calls again: no one to announce a sleep to.
        // Requests beyond one drain's share are still waiting: submit them without sleeping first.
        block = timeout != 0 && !os_has_backlog() && !inbox_.has_records();
    } else if (!busy && !os_has_backlog()) {
        if (shut_down_ || inbox_.prepare_to_sleep()) {
            block = true;
            announced = !shut_down_;
        } else if (inbox_blocked_) {
            // The waiting records are ours to forward once another worker's inbox has room:
            // sleep the retry pause (unannounced) instead of spinning against that worker.
            block = true;
        }
    }
    // The window runs from the end of the previous wait, so a round (wait + handling) lasts
    // about the window under load, and a wait after a quiet spell has no window left.
    const int64_t before = monotonic_nanos();
    // A round that brought no completion means a quiet spell: then the next packet is not made
    // to wait for a window (bursty clients would otherwise pay a window sleep after every burst).
    const bool quiet = completions_ == completions_before_dispatch_;
    const int64_t window =
        stopping_ || quiet ? 0 : std::max<int64_t>(0, last_wait_end_nanos_ + window_nanos_ - before);
    os_wait(block, timeout, window);
    last_wait_end_nanos_ = monotonic_nanos();
    if (announced) inbox_.awake();
    completions_before_dispatch_ = completions_;
    os_dispatch();
    wake_game_if_published();  // once per completion batch, never per packet
    return true;
}

void WorkerCore::report_dropped() {
    log_refusals(now_ms(), true);
    if (dropped_closed_) {
        log_line("worker %u: %llu CLOSED events dropped at shutdown (event ring full)", index_,
                 static_cast<unsigned long long>(dropped_closed_));
        dropped_closed_ = 0;
    }
}

}  // namespace gameport
