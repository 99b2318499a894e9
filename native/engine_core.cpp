// EngineCore's lifecycle (start/stop, the same on every platform) and the
// small helpers every native file uses.
#include <chrono>
#include <cstdarg>
#include <cstdio>

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

EngineCore::EngineCore(const gp_engine_config& c, void* ev, int32_t ev_cap, void* rq, int32_t rq_cap)
    : config(c), events(ev, ev_cap), requests(rq, rq_cap),
      table(slot_count(c), static_cast<uint32_t>(c.workers)) {}

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
    for (auto& w : workers) {
        if (!w->start(&failure)) break;
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

void EngineCore::stop() {
    std::lock_guard<std::mutex> lock(lifecycle_);
    if (stopped_) return;
    stopped_ = true;
    // Release: see `stopping`.
    stopping.store(true, std::memory_order_release);
    if (started_) {
        for (auto& w : workers) w->wake();
        for (auto& w : workers) w->join();
        close_listener();
    }
    // A game thread blocked in await_events should notice the stop promptly.
    wake_game();
}

}  // namespace gameport
