#!/bin/sh
# Called by Maven (exec-maven-plugin, see pom.xml):
#   native/build.sh build <basedir>   configure + build into target/native-build, copy
#                                     libgameport.so into target/classes/native/<platform>/
#   native/build.sh test <basedir>    run the native unit tests (ctest)
# Without cmake or a C++ compiler (or on a platform without a backend) it prints one
# line and succeeds: the jar then runs on the Java engine. A compile error still fails.
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
test)
    [ -f "$marker" ] && exit 0
    [ -d "$build" ] || exit 0
    cd "$build"
    ctest --output-on-failure
    ;;
*)
    echo "usage: $0 build|test <basedir>" >&2
    exit 2
    ;;
esac
