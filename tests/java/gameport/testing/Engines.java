package gameport.testing;

import gameport.engine.NativeLibrary;
import java.util.stream.Stream;

/**
 * The engines every behavioural test runs against: {@code @MethodSource("gameport.testing.Engines#all")}.
 * "native" is the default native engine (its I/O on the game thread); "native-workers" is the same
 * library with one I/O worker thread of its own ({@code --workers 1}), the other state machine
 * driver, so both ways of running the native core pass every test.
 */
public final class Engines {
    public static final String NATIVE_WORKERS = "native-workers";
    private static boolean told;

    private Engines() {
    }

    public static Stream<String> all() {
        if (NativeLibrary.isAvailable()) {
            return Stream.of("java", "native", NATIVE_WORKERS);
        }
        // A machine without a C++ toolchain or without io_uring (e.g. Docker's default seccomp)
        // still tests the Java engine; CI checks that the native engine really ran.
        if (!told) {
            told = true;
            System.err.println("native engine not tested here: " + NativeLibrary.unavailableReason());
        }
        return Stream.of("java");
    }
}
