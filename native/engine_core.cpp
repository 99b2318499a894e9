// EngineCore's lifecycle (start/stop, the same on every platform) and the
// small helpers every native file uses.
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <algorithm>
#include <atomic>
#include <exception>

#include "engine_core.h"

namespace gameport {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void log_line(const char* fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[gameport-native] %s\n", line);
}

void copy_err(char* err, size_t len, const std::string& msg) {
    if (err && len) snprintf(err, len, "%s", msg.c_str());
}

// Each worker owns the slots s with s % workers == its index, and the kernel does not spread
// accepts evenly over workers: so each worker gets room for max_sessions on its own, or one
// worker would refuse connections while another still has free slots.
static uint32_t slot_count(const gp_engine_config& c) {
    uint64_t n = static_cast<uint64_t>(c.max_sessions) * static_cast<uint64_t>(c.workers);
    return static_cast<uint32_t>(n < kMaxSlots ? n : kMaxSlots);
}

// Inline I/O runs one WorkerCore without a thread: everything sized per worker counts it as one.
static gp_engine_config with_one_worker_at_least(gp_engine_config c) {
    c.workers = std::max<int32_t>(1, c.workers);
    return c;
}

EngineCore::EngineCore(const gp_engine_config& c, void* ev, int32_t ev_cap, void* rq, int32_t rq_cap)
    : config(with_one_worker_at_least(c)), inline_io(c.workers == 0), events(ev, ev_cap), requests(rq, rq_cap),
      table(slot_count(config), static_cast<uint32_t>(config.workers)) {}

// The backend's destructor has stopped the engine and cleared `workers`
// before its own OS objects go; nothing is left to do here.
EngineCore::~EngineCore() = default;

int32_t EngineCore::start(const char* host, int32_t port, std::string* err) {
    std::lock_guard<std::mutex> lock(lifecycle_);
    if (started_) {
        *err = "engine already started";
        return -1;
    }
    started_ = true;
    int32_t bound = -1;
    if (!open_listener(host, port, &bound, err)) return -1;
    std::string failure;
    if (inline_io) {
        workers[0]->start_inline(&failure);
    } else {
        for (auto& w : workers) {
            if (!w->start(&failure)) break;
        }
    }
    if (!failure.empty()) {
        // Release: see `stopping`.
        stopping.store(true, std::memory_order_release);
        for (auto& w : workers) {
            w->wake();
            w->join();
        }
        close_listener();
        stopped_ = true;
        *err = failure;
        return -1;
    }
    description = describe();
    return bound;
}

void EngineCore::fail(const std::string& reason) noexcept {
    try {
        {
            std::lock_guard<std::mutex> lock(failure_mutex_);
            if (failed_.load(std::memory_order_relaxed)) return;  // the first reason wins
            failure_reason_ = reason;
            // Release: the reason (and whatever the failing thread did) before the flag.
            failed_.store(true, std::memory_order_release);
            if (failure_flag_) std::atomic_ref<int32_t>(*failure_flag_).store(1, std::memory_order_release);
        }
        log_line("engine failed: %s", reason.c_str());
    } catch (...) {
        // Copying the reason ran out of memory: the flag alone still says it.
        failed_.store(true, std::memory_order_release);
        if (failure_flag_) std::atomic_ref<int32_t>(*failure_flag_).store(1, std::memory_order_release);
    }
    // A game thread asleep in await_events hears of it now, not at its next timeout.
    wake_game();
}

std::string EngineCore::failure() const {
    std::lock_guard<std::mutex> lock(failure_mutex_);
    if (failure_reason_.empty() && failed_.load(std::memory_order_acquire)) return "engine failed (out of memory)";
    return failure_reason_;
}

void EngineCore::fail_worker(uint32_t worker, const char* what) noexcept {
    try {
        fail("I/O worker " + std::to_string(worker) + " failed: " + what);
    } catch (...) {
        fail(std::string());  // no memory for the text: failure() says so
    }
}

bool EngineCore::poll(int64_t timeout_nanos, std::string* err) {
    if (!inline_io) {
        *err = "gp_engine_poll needs an engine without worker threads (workers = 0)";
        return false;
    }
    if (failed()) {
        *err = failure();
        return false;
    }
    // Acquire: see `stopping` (a stop on this thread, as the contract says, is seen anyway).
    if (!started_ || stopping.load(std::memory_order_acquire)) {
        *err = started_ ? "engine stopped" : "engine not started";
        return false;
    }
    if (!driver_bound_) {
        if (!workers[0]->bind_driver(err)) return false;
        driver_bound_ = true;
        driver_ = std::this_thread::get_id();
    } else if (driver_ != std::this_thread::get_id()) {
        *err = "gp_engine_poll from a thread other than the engine's driver";
        return false;
    }
    try {
        workers[0]->turn(timeout_nanos < 0 ? 0 : timeout_nanos);
        return true;
    } catch (const std::exception& e) {
        fail_worker(0, e.what());
    } catch (...) {
        fail_worker(0, "unknown exception");
    }
    // The state machine may be half way through something: drop every operation now (on the
    // driving thread, as SINGLE_ISSUER wants), the sockets close with a reset.
    workers[0]->abandon();
    *err = failure();
    return false;
}

void EngineCore::stop() {
    std::lock_guard<std::mutex> lock(lifecycle_);
    if (stopped_) return;
    stopped_ = true;
    // Release: see `stopping`.
    stopping.store(true, std::memory_order_release);
    if (started_ && inline_io) {
        WorkerCore& w = *workers[0];
        std::string ignored;
        if (!failed() && !driver_bound_ && w.bind_driver(&ignored)) {  // stopped before any poll: this thread drives
            driver_bound_ = true;
            driver_ = std::this_thread::get_id();
        }
        if (failed()) {
            w.abandon();  // done at the failure already; the sockets are gone
        } else if (driver_ == std::this_thread::get_id() || !w.thread_bound()) {
            // The same shutdown the worker threads run: graceful closes within kShutdownLingerMs,
            // CLOSED events, last completions; turn() ends it by kShutdownAbandonMs after that.
            try {
                while (w.turn(kTickNanos)) {
                }
                w.report_dropped();
            } catch (const std::exception& e) {
                fail_worker(0, e.what());
                w.abandon();
            } catch (...) {
                fail_worker(0, "unknown exception");
                w.abandon();
            }
        } else {
            log_line("engine stopped from a thread that does not drive it: connections reset, not closed");
            w.abandon();
        }
        close_listener();
    } else if (started_) {
        for (auto& w : workers) w->wake();
        for (auto& w : workers) w->join();
        close_listener();
    }
    // A game thread blocked in await_events should notice the stop promptly.
    wake_game();
}

}  // namespace gameport
