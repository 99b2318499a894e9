package gameport.testing;

import gameport.engine.NativeLibrary;
import java.util.stream.Stream;

/** The engines every behavioural test runs against: {@code @MethodSource("gameport.testing.Engines#all")}. */
public final class Engines {
    private static boolean told;

    private Engines() {
    }

    public static Stream<String> all() {
        if (NativeLibrary.isAvailable()) {
            return Stream.of("java", "native");
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
