// Inline I/O in the native tests: a thread that drives an engine created with
// workers = 0 (gp_engine_poll in a loop) and stops it itself, as the server's
// game thread does. The test's own thread keeps the game's other roles (events
// consumer, requests producer), so the rings see the same two sides as with a
// worker thread.
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "engine.h"

namespace gameport {

class InlineDriver {
public:
    InlineDriver() = default;
    InlineDriver(const InlineDriver&) = delete;
    InlineDriver& operator=(const InlineDriver&) = delete;
    ~InlineDriver() { stop(); }

    void start(gp_engine* engine) {
        engine_ = engine;
        thread_ = std::thread([this] { run(); });
    }
    bool running() const { return thread_.joinable(); }
    // The engine is stopped on the driver thread (gp_engine_stop's contract); then the thread ends.
    void stop() {
        if (!thread_.joinable()) return;
        stop_.store(true);
        thread_.join();
    }

private:
    void run() {
        char err[256];
        while (!stop_.load()) {
            if (gp_engine_poll(engine_, 2'000'000, err, sizeof err) != 0) {
                std::fprintf(stderr, "gp_engine_poll: %s\n", err);
                std::exit(1);
            }
        }
        gp_engine_stop(engine_);
    }

    gp_engine* engine_ = nullptr;
    std::thread thread_;
    std::atomic<bool> stop_{false};
};

}  // namespace gameport
