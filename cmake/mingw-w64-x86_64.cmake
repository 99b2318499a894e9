# Cross-build for 64-bit Windows with mingw-w64 on Debian/Ubuntu
# (apt-get install g++-mingw-w64-x86-64-posix). The -posix compilers use the
# winpthreads threading model, which std::thread needs.
#   cmake -S . -B target/native-windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
# With wine on the PATH, ctest runs the test programs under it (the caller
# sets up WINEPREFIX and friends: native/build.sh test-windows).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(GAMEPORT_MINGW_PREFIX x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${GAMEPORT_MINGW_PREFIX}-gcc-posix)
set(CMAKE_CXX_COMPILER ${GAMEPORT_MINGW_PREFIX}-g++-posix)
set(CMAKE_RC_COMPILER ${GAMEPORT_MINGW_PREFIX}-windres)

# Libraries and headers from the mingw sysroot only; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${GAMEPORT_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(GAMEPORT_WINE wine NO_CMAKE_FIND_ROOT_PATH)
if(GAMEPORT_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${GAMEPORT_WINE})
endif()
