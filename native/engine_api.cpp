// engine.h's C functions, the same on every platform: argument checks, then
// EngineCore and the backend that create_os_engine() returns.
#include <algorithm>
#include <exception>
#include <memory>
#include <string>

#include "engine.h"
#include "engine_core.h"

using gameport::EngineCore;
using gameport::Ring;

struct gp_engine {
    std::unique_ptr<EngineCore> impl;
};

extern "C" {

gp_engine* gp_engine_create(const gp_engine_config* config, void* events_memory, int32_t events_capacity,
                            void* requests_memory, int32_t requests_capacity, char* err, size_t err_len) {
    if (!config || config->workers < 0 || config->workers > 64) {
        gameport::copy_err(err, err_len, "workers must be 0..64");
        return nullptr;
    }
    if (config->batch_us < 0 || config->batch_us > 100000) {
        gameport::copy_err(err, err_len, "batch window must be 0..100000 us");
        return nullptr;
    }
    if (config->max_sessions < 1 || static_cast<uint32_t>(config->max_sessions) > gameport::kMaxSlots) {
        gameport::copy_err(err, err_len, "max sessions must be 1..16777216");
        return nullptr;
    }
    if (config->max_pending_bytes < 1) {
        gameport::copy_err(err, err_len, "max pending bytes must be >= 1");
        return nullptr;
    }
    if (!events_memory || !requests_memory || !Ring::valid_capacity(events_capacity) ||
        !Ring::valid_capacity(requests_capacity)) {
        gameport::copy_err(err, err_len, "ring memory missing or capacity not a power of two >= 4096");
        return nullptr;
    }
    if ((reinterpret_cast<uintptr_t>(events_memory) | reinterpret_cast<uintptr_t>(requests_memory)) & 7) {
        gameport::copy_err(err, err_len, "ring memory must be 8-byte aligned");
        return nullptr;
    }
    // No C++ exception may cross into C or JNI (it would abort the JVM): out of memory or a
    // thread that cannot start becomes an error message instead.
    try {
        std::string e;
        std::unique_ptr<EngineCore> impl = gameport::create_os_engine(*config, events_memory, events_capacity,
                                                                      requests_memory, requests_capacity, &e);
        if (!impl) {
            gameport::copy_err(err, err_len, e);
            return nullptr;
        }
        auto* handle = new gp_engine;
        handle->impl = std::move(impl);
        return handle;
    } catch (const std::exception& ex) {
        gameport::copy_err(err, err_len, std::string("cannot create the engine: ") + ex.what());
        return nullptr;
    } catch (...) {
        gameport::copy_err(err, err_len, "cannot create the engine: unknown exception");
        return nullptr;
    }
}

int32_t gp_engine_start(gp_engine* h, const char* host, int32_t port, char* err, size_t err_len) {
    try {
        std::string e;
        const int32_t bound = h->impl->start(host, port, &e);
        if (bound < 0) gameport::copy_err(err, err_len, e);
        return bound;
    } catch (const std::exception& ex) {
        gameport::copy_err(err, err_len, std::string("cannot start the engine: ") + ex.what());
    } catch (...) {
        gameport::copy_err(err, err_len, "cannot start the engine: unknown exception");
    }
    return -1;
}

int32_t gp_engine_poll(gp_engine* h, int64_t timeout_nanos, char* err, size_t err_len) {
    try {
        std::string e;
        if (h->impl->poll(timeout_nanos, &e)) return 0;
        gameport::copy_err(err, err_len, e);
    } catch (const std::exception& ex) {
        // poll() contains the worker's own failures; this is out of memory for the message.
        h->impl->fail(std::string("engine poll failed: ") + ex.what());
        gameport::copy_err(err, err_len, ex.what());
    } catch (...) {
        h->impl->fail("engine poll failed: unknown exception");
        gameport::copy_err(err, err_len, "engine poll failed");
    }
    return -1;
}

void gp_engine_wake_requests(gp_engine* h) {
    if (!h->impl->inline_io) h->impl->workers[0]->wake();
}

// Which wait the game thread is in:
//  - inline I/O: gp_engine_poll, i.e. worker 0's OS wait on the driving thread. That wait always
//    includes the worker's wake-up: on io_uring the read of its eventfd is armed from
//    os_thread_init on and re-armed by every completion of it (only a stop's os_quiesced stops
//    re-arming), on IOCP wake() is a packet on the port the wait dequeues from. A wake before
//    the wait stays in the eventfd (the read completes at the next io_uring_enter) or in the port,
//    and before the first poll, while the ring is still disabled, the read is submitted by that
//    poll and completes at once. A batch window still runs out (it ends only by time), as for a
//    packet.
//  - worker threads: gp_engine_await_events, on the engine's own eventfd / event, the one the
//    workers wake through consumer_needs_wake(). The caller does the same before calling here.
// Memory ordering: the caller published its record (release store of the length word) before
// this call; the system call that signals (eventfd write, PostQueuedCompletionStatus, SetEvent)
// and the one the game thread returns from synchronize with each other, so its acquire load of
// the length word in the next round sees the record. No atomics of ours are involved.
void gp_engine_wake_game(gp_engine* h) {
    if (h->impl->inline_io) {
        h->impl->workers[0]->wake();
    } else {
        h->impl->wake_game();
    }
}

void gp_engine_await_events(gp_engine* h, int64_t timeout_nanos) {
    h->impl->await_events(timeout_nanos < 0 ? 0 : timeout_nanos);
}

// stop() contains the failures of the shutdown it runs; what could still come out is a thread
// that cannot be joined (std::system_error): logged, and the engine counts as failed.
void gp_engine_stop(gp_engine* h) {
    try {
        h->impl->stop();
    } catch (const std::exception& ex) {
        gameport::log_line("engine stop: %s", ex.what());
        h->impl->fail(std::string("engine stop failed: ") + ex.what());
    } catch (...) {
        h->impl->fail("engine stop failed: unknown exception");
    }
}

void gp_engine_destroy(gp_engine* h) {
    if (!h) return;
    gp_engine_stop(h);
    try {
        delete h;  // the backend's destructor frees its workers and OS objects
    } catch (...) {
        gameport::log_line("engine destroy: unknown exception");
    }
}

int32_t gp_engine_probe(char* err, size_t err_len) {
    try {
        std::string e;
        if (gameport::probe_os(&e) != 0) {
            gameport::copy_err(err, err_len, e);
            return -1;
        }
        return 0;
    } catch (...) {
        gameport::copy_err(err, err_len, "engine probe failed: unknown exception");
        return -1;
    }
}

const char* gp_engine_describe(gp_engine* h) { return h->impl->description.c_str(); }

int32_t gp_engine_failed(gp_engine* h, char* err, size_t err_len) {
    if (!h->impl->failed()) return 0;
    try {
        gameport::copy_err(err, err_len, h->impl->failure());
    } catch (...) {
        gameport::copy_err(err, err_len, "engine failed");
    }
    return 1;
}

void gp_engine_set_failure_flag(gp_engine* h, int32_t* flag) { h->impl->set_failure_flag(flag); }

int32_t gp_engine_inject_failure(gp_engine* h, int32_t worker, int32_t kind) {
    if (worker < 0 || static_cast<size_t>(worker) >= h->impl->workers.size() || kind < 1 || kind > 2) return -1;
    h->impl->workers[static_cast<size_t>(worker)]->inject_failure(kind);
    return 0;
}

int32_t gp_engine_send_latency_counts(gp_engine* h, int64_t* out, int32_t n) {
    if (out && n > 0) {
        std::fill(out, out + std::min(n, GP_SEND_LATENCY_BUCKETS), int64_t{0});
        // The workers vector is fixed from create to destroy; each histogram
        // tolerates this concurrent read (see latency::Histogram).
        for (const auto& w : h->impl->workers) w->send_latency().add_to(out, n);
    }
    return GP_SEND_LATENCY_BUCKETS;
}

}  // extern "C"
