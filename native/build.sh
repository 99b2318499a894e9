#!/bin/sh
# Called by Maven (exec-maven-plugin, see pom.xml):
#   native/build.sh build <basedir>   configure + build into target/native-build, copy
#                                     libgameport.so into target/classes/native/<platform>/
#   native/build.sh test <basedir>    run the native unit tests (ctest)
#   native/build.sh build-windows <basedir>
#                                     cross-build gameport.dll (IOCP) and its test programs
#                                     with mingw-w64 into target/native-windows, copy the DLL
#                                     into target/classes/native/windows-x86_64/
#   native/build.sh test-windows <basedir>
#                                     run those tests under wine (fresh WINEPREFIX); on
#                                     success writes target/native-windows/iocp-tests.passed
# Without cmake or a C++ compiler (or on a platform without a backend) it prints one
# line and succeeds: the jar then runs on the Java engine. Without mingw-w64 (or wine)
# the Windows part is skipped the same way. A compile error or a failed test still fails.
set -e
mode="$1"
base="${2:-.}"
build="$base/target/native-build"
marker="$build/.skipped"

skip() {
    mkdir -p "$build"
    echo "$1" > "$marker"
    echo "[gameport] native engine skipped: $1 (the jar runs on the Java engine)"
    exit 0
}

case "$mode" in
build)
    rm -f "$marker"
    [ "$(uname -s)" = Linux ] || skip "no native backend for $(uname -s) yet"
    case "$(uname -m)" in
        x86_64|amd64) platform=linux-x86_64 ;;
        *) skip "no native build for $(uname -m)" ;;
    esac
    command -v cmake >/dev/null 2>&1 || skip "cmake not found"
    if [ -z "$CXX" ]; then
        for c in c++ g++ clang++; do
            if command -v "$c" >/dev/null 2>&1; then CXX="$c"; break; fi
        done
        [ -n "$CXX" ] || skip "no C++ compiler found"
        export CXX
    fi
    mkdir -p "$build"
    if ! cmake -S "$base" -B "$build" -DCMAKE_BUILD_TYPE=Release > "$build/configure.log" 2>&1; then
        cat "$build/configure.log"
        exit 1
    fi
    cmake --build "$build" -j 2
    [ -f "$build/libgameport.so" ] || skip "JNI headers not found (set JAVA_HOME)"
    mkdir -p "$base/target/classes/native/$platform"
    cp "$build/libgameport.so" "$base/target/classes/native/$platform/libgameport.so"
    echo "[gameport] native engine built: target/classes/native/$platform/libgameport.so"
    ;;
build-windows)
    win="$base/target/native-windows"
    mkdir -p "$win"
    # Nothing stale goes into the jar or passes for this run's result.
    rm -f "$win/.skipped" "$win/iocp-tests.passed" "$base/target/classes/native/windows-x86_64/gameport.dll"
    win_skip() {
        echo "$1" > "$win/.skipped"
        echo "[gameport] Windows DLL skipped: $1"
        exit 0
    }
    command -v x86_64-w64-mingw32-g++-posix >/dev/null 2>&1 ||
        win_skip "x86_64-w64-mingw32-g++-posix not found (apt-get install g++-mingw-w64-x86-64-posix)"
    command -v cmake >/dev/null 2>&1 || win_skip "cmake not found"
    # CXX is the host compiler (if set at all): the toolchain file names the cross one.
    if ! env -u CXX cmake -S "$base" -B "$win" -DCMAKE_TOOLCHAIN_FILE="$base/cmake/mingw-w64-x86_64.cmake" \
            -DCMAKE_BUILD_TYPE=Release > "$win/configure.log" 2>&1; then
        cat "$win/configure.log"
        exit 1
    fi
    cmake --build "$win" -j 2
    [ -f "$win/gameport.dll" ] || win_skip "JNI headers not found (set JAVA_HOME)"
    mkdir -p "$base/target/classes/native/windows-x86_64"
    cp "$win/gameport.dll" "$base/target/classes/native/windows-x86_64/gameport.dll"
    echo "[gameport] Windows DLL built: target/classes/native/windows-x86_64/gameport.dll"
    ;;
test-windows)
    win="$base/target/native-windows"
    [ -d "$win" ] && [ ! -f "$win/.skipped" ] || exit 0
    if ! command -v wine >/dev/null 2>&1 || ! command -v wineserver >/dev/null 2>&1; then
        echo "[gameport] IOCP tests under wine skipped: wine not found (apt-get install wine64 wine)"
        exit 0
    fi
    started=$(date +%s)
    # Headless, quiet, and a prefix of our own inside the build folder, made
    # fresh each run (creating one takes seconds; a stale one can mislead).
    export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEPREFIX="$win/wineprefix"
    unset DISPLAY WAYLAND_DISPLAY
    rm -rf "$WINEPREFIX"
    # wine's helper processes outlive the program that starts them and keep
    # its output open: start them first with output to /dev/null (or Maven
    # would wait on them), and end them whatever happens.
    # (The trap keeps the script's exit status: a failure stays a failure.)
    trap 'rc=$?; wineserver -k >/dev/null 2>&1 || true; rm -rf "$WINEPREFIX"; exit $rc' EXIT
    mkdir -p "$WINEPREFIX"  # wineserver needs the folder to exist
    wineserver -p </dev/null >/dev/null 2>&1
    wineboot --init </dev/null >/dev/null 2>&1
    cd "$win"
    if ctest --output-on-failure > iocp-tests.log 2>&1 </dev/null; then rc=0; else rc=$?; fi
    cat iocp-tests.log
    [ "$rc" -eq 0 ] || exit "$rc"
    echo "IOCP tests passed under $(wine --version 2>/dev/null) in $(( $(date +%s) - started )) s" > iocp-tests.passed
    echo "[gameport] $(cat iocp-tests.passed)"
    ;;
test)
    [ -f "$marker" ] && exit 0
    [ -d "$build" ] || exit 0
    cd "$build"
    ctest --output-on-failure
    ;;
*)
    echo "usage: $0 build|test|build-windows|test-windows <basedir>" >&2
    exit 2
    ;;
esac
