// JNI entry points for gameport.engine.NativeEngine and NativeLibrary: only
// argument conversion and exceptions; everything else is the C API in engine.h.
// None of these runs per packet: with inline I/O the game thread calls poll0
// once per round (a round carries a batch window of packets); with worker
// threads it calls wakeRequests0 and awaitEvents0 only when the ring protocol
// says the other side sleeps; wakeGame0 (Engine.post, from a thread of the server's own)
// only when the game thread announced a wait; sendLatencyCounts0 runs once per statistics interval.
// A failed engine is seen through the flag word (setFailureFlag0), not a call per round.
//
// No C++ exception may leave an entry point (the JVM would die in std::terminate): the C API
// contains its own, and each body here runs inside guarded(), which turns anything else into a
// pending Java exception.
#include <jni.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "engine.h"
#include "ring.h"

namespace {

constexpr const char* kEngineFailed = "gameport/engine/EngineFailedException";

void throw_new(JNIEnv* env, const char* cls, const char* msg) {
    jclass c = env->FindClass(cls);
    if (c) env->ThrowNew(c, msg);  // else NoClassDefFoundError is pending
}

// Runs body; a C++ exception becomes an EngineFailedException (unchecked) and `fallback` is
// returned. The message is built without allocating: the exception may be std::bad_alloc.
template <typename R, typename F>
R guarded(JNIEnv* env, R fallback, F&& body) noexcept {
    char msg[256];
    try {
        return body();
    } catch (const std::exception& e) {
        std::snprintf(msg, sizeof msg, "native engine: %s", e.what());
    } catch (...) {
        std::snprintf(msg, sizeof msg, "native engine: unknown C++ exception");
    }
    throw_new(env, kEngineFailed, msg);
    return fallback;
}

template <typename F>
void guarded_void(JNIEnv* env, F&& body) noexcept {
    guarded(env, 0, [&] {
        body();
        return 0;
    });
}

gp_engine* engine_of(jlong handle) { return reinterpret_cast<gp_engine*>(static_cast<intptr_t>(handle)); }

bool ring_of(JNIEnv* env, jobject buffer, void** memory, int32_t* capacity) {
    *memory = buffer ? env->GetDirectBufferAddress(buffer) : nullptr;
    const jlong bytes = buffer ? env->GetDirectBufferCapacity(buffer) : -1;
    if (!*memory || bytes <= gameport::ringlayout::kTrailerLength) return false;
    *capacity = static_cast<int32_t>(bytes - gameport::ringlayout::kTrailerLength);
    return true;
}

}  // namespace

extern "C" {

JNIEXPORT jstring JNICALL Java_gameport_engine_NativeLibrary_probe0(JNIEnv* env, jclass) {
    // Never throws into the class initializer: any trouble is a reason string.
    try {
        char err[256];
        if (gp_engine_probe(err, sizeof err) == 0) return nullptr;
        return env->NewStringUTF(err);
    } catch (...) {
        return env->NewStringUTF("engine probe failed");
    }
}

JNIEXPORT jlong JNICALL Java_gameport_engine_NativeEngine_create0(JNIEnv* env, jclass, jobject events,
                                                                   jobject requests, jint workers, jint batch_us,
                                                                   jint max_pending_bytes, jint max_sessions) {
    return guarded(env, jlong{0}, [&]() -> jlong {
        void* ev;
        void* rq;
        int32_t ev_cap;
        int32_t rq_cap;
        if (!ring_of(env, events, &ev, &ev_cap) || !ring_of(env, requests, &rq, &rq_cap)) {
            throw_new(env, "java/lang/IllegalArgumentException", "rings must be direct buffers of capacity + 512 bytes");
            return 0;
        }
        // jint is `long` on Windows, `int` on Linux: 32 bits either way.
        gp_engine_config config{static_cast<int32_t>(workers), static_cast<int32_t>(max_pending_bytes),
                                static_cast<int32_t>(max_sessions), static_cast<int32_t>(batch_us)};
        char err[256];
        gp_engine* e = gp_engine_create(&config, ev, ev_cap, rq, rq_cap, err, sizeof err);
        if (!e) {
            throw_new(env, "java/lang/IllegalStateException", err);
            return 0;
        }
        return static_cast<jlong>(reinterpret_cast<intptr_t>(e));
    });
}

// Before start0: the direct buffer's first 4 bytes become the engine's failure flag.
JNIEXPORT void JNICALL Java_gameport_engine_NativeEngine_setFailureFlag0(JNIEnv* env, jclass, jlong handle,
                                                                          jobject flag) {
    guarded_void(env, [&] {
        void* p = flag ? env->GetDirectBufferAddress(flag) : nullptr;
        if (!p || env->GetDirectBufferCapacity(flag) < 4 || (reinterpret_cast<uintptr_t>(p) & 3) != 0) {
            throw_new(env, "java/lang/IllegalArgumentException", "the failure flag must be an aligned direct buffer");
            return;
        }
        gp_engine_set_failure_flag(engine_of(handle), static_cast<int32_t*>(p));
    });
}

JNIEXPORT jint JNICALL Java_gameport_engine_NativeEngine_start0(JNIEnv* env, jclass, jlong handle, jstring host,
                                                                 jint port) {
    return guarded(env, jint{-1}, [&]() -> jint {
        const char* h = host ? env->GetStringUTFChars(host, nullptr) : nullptr;
        if (host && !h) return -1;  // OutOfMemoryError pending
        const std::string host_copy = h ? h : "";
        if (h) env->ReleaseStringUTFChars(host, h);
        char err[256];
        const int32_t bound =
            gp_engine_start(engine_of(handle), host_copy.c_str(), static_cast<int32_t>(port), err, sizeof err);
        if (bound < 0) throw_new(env, "java/io/IOException", err);
        return bound;
    });
}

JNIEXPORT jstring JNICALL Java_gameport_engine_NativeEngine_describe0(JNIEnv* env, jclass, jlong handle) {
    return guarded(env, jstring{nullptr}, [&] { return env->NewStringUTF(gp_engine_describe(engine_of(handle))); });
}

// Inline I/O: once per game round; the round's sends and receives happen inside.
JNIEXPORT void JNICALL Java_gameport_engine_NativeEngine_poll0(JNIEnv* env, jclass, jlong handle, jlong timeout_nanos) {
    guarded_void(env, [&] {
        char err[256];
        if (gp_engine_poll(engine_of(handle), static_cast<int64_t>(timeout_nanos), err, sizeof err) != 0) {
            char reason[256];
            if (gp_engine_failed(engine_of(handle), reason, sizeof reason)) {
                throw_new(env, kEngineFailed, reason);
            } else {
                throw_new(env, "java/lang/IllegalStateException", err);
            }
        }
    });
}

// The reason of a failed engine, or null.
JNIEXPORT jstring JNICALL Java_gameport_engine_NativeEngine_failure0(JNIEnv* env, jclass, jlong handle) {
    return guarded(env, jstring{nullptr}, [&]() -> jstring {
        char reason[256];
        if (!gp_engine_failed(engine_of(handle), reason, sizeof reason)) return nullptr;
        return env->NewStringUTF(reason);
    });
}

// Tests only: see gp_engine_inject_failure.
JNIEXPORT jint JNICALL Java_gameport_engine_NativeEngine_injectFailure0(JNIEnv* env, jclass, jlong handle,
                                                                         jint worker, jint kind) {
    return guarded(env, jint{-1}, [&] {
        return static_cast<jint>(
            gp_engine_inject_failure(engine_of(handle), static_cast<int32_t>(worker), static_cast<int32_t>(kind)));
    });
}

JNIEXPORT void JNICALL Java_gameport_engine_NativeEngine_wakeRequests0(JNIEnv* env, jclass, jlong handle) {
    guarded_void(env, [&] { gp_engine_wake_requests(engine_of(handle)); });
}

// Any thread (Engine.post's), only after the protocol said the game thread waits: see
// gp_engine_wake_game. NativeEngine's enter() keeps it away from a destroyed engine.
JNIEXPORT void JNICALL Java_gameport_engine_NativeEngine_wakeGame0(JNIEnv* env, jclass, jlong handle) {
    guarded_void(env, [&] { gp_engine_wake_game(engine_of(handle)); });
}

JNIEXPORT void JNICALL Java_gameport_engine_NativeEngine_awaitEvents0(JNIEnv* env, jclass, jlong handle,
                                                                       jlong timeout_nanos) {
    guarded_void(env, [&] { gp_engine_await_events(engine_of(handle), timeout_nanos); });
}

// One call per collection, whatever the packet rate: the counts are
// cumulative, NativeEngine subtracts its previous snapshot. Returns the
// engine's bucket count so Java can tell a library built with another scheme.
JNIEXPORT jint JNICALL Java_gameport_engine_NativeEngine_sendLatencyCounts0(JNIEnv* env, jclass, jlong handle,
                                                                             jlongArray out) {
    return guarded(env, jint{0}, [&] {
        int64_t counts[GP_SEND_LATENCY_BUCKETS];
        const int32_t buckets = gp_engine_send_latency_counts(engine_of(handle), counts, GP_SEND_LATENCY_BUCKETS);
        const jsize n = std::min<jsize>(env->GetArrayLength(out), buckets);
        static_assert(sizeof(jlong) == sizeof(int64_t), "jlong is 64 bits");
        // jlong and int64_t may be distinct types of the same size (long vs long long).
        jlong copy[GP_SEND_LATENCY_BUCKETS];
        for (jsize i = 0; i < n; i++) copy[i] = static_cast<jlong>(counts[i]);
        env->SetLongArrayRegion(out, 0, n, copy);
        return static_cast<jint>(buckets);
    });
}

JNIEXPORT void JNICALL Java_gameport_engine_NativeEngine_stop0(JNIEnv* env, jclass, jlong handle) {
    guarded_void(env, [&] { gp_engine_stop(engine_of(handle)); });
}

JNIEXPORT void JNICALL Java_gameport_engine_NativeEngine_destroy0(JNIEnv* env, jclass, jlong handle) {
    guarded_void(env, [&] { gp_engine_destroy(engine_of(handle)); });
}

}  // extern "C"
