/* The Windows part of the JNI headers, for cross-building gameport.dll on
 * Linux: a Linux JDK ships jni.h (the same on every platform) but only its own
 * include/linux/jni_md.h. These are the definitions the JNI specification's
 * Windows x64 ABI fixes (as in a Windows JDK's include/win32/jni_md.h):
 * exported entry points, the calling convention (__stdcall is the only one on
 * x64 anyway) and the three platform-sized types. */
#ifndef GAMEPORT_JNI_MD_WIN32_H
#define GAMEPORT_JNI_MD_WIN32_H

#ifndef _WIN32
#error "native/jni_win32 is for Windows builds only"
#endif

#define JNIEXPORT __declspec(dllexport)
#define JNIIMPORT __declspec(dllimport)
#define JNICALL __stdcall

typedef long jint;      /* 32 bits on Windows (LLP64) */
typedef __int64 jlong;
typedef signed char jbyte;

#endif
