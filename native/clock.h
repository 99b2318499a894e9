// The record timestamp clock: the one Java's System.nanoTime() reads on this
// platform, so stamps written here and there compare (ring dwell, request ->
// send-completed latency).
//   Linux:   CLOCK_MONOTONIC (a vDSO call, cheap enough once per record).
//   Windows: QueryPerformanceCounter scaled to nanoseconds, as HotSpot's
//            os::javaTimeNanos does (it computes count / frequency * 1e9 in
//            double; the integer split below gives the same value to within
//            a nanosecond without the double's rounding at long uptimes).
//            https://learn.microsoft.com/windows/win32/sysinfo/acquiring-high-resolution-time-stamps
#pragma once

#include <cstdint>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN  // keeps the old winsock.h out (winsock2.h comes later)
#endif
#ifndef NOMINMAX
#define NOMINMAX  // std::min/std::max, not the macros
#endif
#include <windows.h>
#else
#include <time.h>
#endif

namespace gameport {

#ifdef _WIN32
inline int64_t monotonic_nanos() {
    // The frequency is fixed at boot (documented), so it is read once.
    static const int64_t frequency = [] {
        LARGE_INTEGER f;
        QueryPerformanceFrequency(&f);
        return static_cast<int64_t>(f.QuadPart);
    }();
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    const int64_t count = static_cast<int64_t>(c.QuadPart);
    // Whole seconds and the remainder apart: count * 1e9 would overflow after
    // ~29 years at 10 MHz, the split never does.
    return count / frequency * 1'000'000'000 + count % frequency * 1'000'000'000 / frequency;
}
#else
inline int64_t monotonic_nanos() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
#endif

}  // namespace gameport
