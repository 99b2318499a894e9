// Windows only: gameport.dll as the JVM will see it. Loads it (its imports
// must resolve to system DLLs), finds every JNI entry point Java declares
// (NativeEngine, NativeLibrary), and runs NativeLibrary.probe0, which touches
// JNIEnv only to report a failure: null env, null result means IOCP works.
#include <windows.h>

#include <cstdio>

#include "check.h"

int main() {
    HMODULE dll = LoadLibraryA("gameport.dll");
    if (!dll) std::fprintf(stderr, "LoadLibrary(gameport.dll): error %lu\n", GetLastError());
    CHECK(dll != nullptr);
    const char* names[] = {
        "Java_gameport_engine_NativeLibrary_probe0",
        "Java_gameport_engine_NativeEngine_create0",
        "Java_gameport_engine_NativeEngine_start0",
        "Java_gameport_engine_NativeEngine_describe0",
        "Java_gameport_engine_NativeEngine_wakeRequests0",
        "Java_gameport_engine_NativeEngine_awaitEvents0",
        "Java_gameport_engine_NativeEngine_wakeGame0",
        "Java_gameport_engine_NativeEngine_poll0",
        "Java_gameport_engine_NativeEngine_sendLatencyCounts0",
        "Java_gameport_engine_NativeEngine_stop0",
        "Java_gameport_engine_NativeEngine_destroy0",
        "Java_gameport_engine_NativeEngine_setFailureFlag0",
        "Java_gameport_engine_NativeEngine_failure0",
        "Java_gameport_engine_NativeEngine_injectFailure0",
    };
    for (const char* name : names) {
        if (!GetProcAddress(dll, name)) std::fprintf(stderr, "missing export %s\n", name);
        CHECK(GetProcAddress(dll, name) != nullptr);
    }
    using Probe = void* (*)(void* env, void* cls);
    const auto probe = reinterpret_cast<Probe>(
        reinterpret_cast<void*>(GetProcAddress(dll, "Java_gameport_engine_NativeLibrary_probe0")));
    CHECK(probe(nullptr, nullptr) == nullptr);
    CHECK(FreeLibrary(dll) != 0);
    std::printf("dll_load_test: gameport.dll loads, %zu JNI exports, probe0 says IOCP works\n",
                sizeof names / sizeof names[0]);
    return 0;
}
