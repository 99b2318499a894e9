package gameport.testing;

import java.util.stream.Stream;

/** The engines every behavioural test runs against: {@code @MethodSource("gameport.testing.Engines#all")}. */
public final class Engines {
    private Engines() {
    }

    public static Stream<String> all() {
        Stream.Builder<String> engines = Stream.builder();
        engines.add("java");
        // The native engine joins here: once it is built, run with -Dgameport.test.native=true
        // (and later make it unconditional) so the whole suite also runs against it.
        if ("true".equals(System.getProperty("gameport.test.native"))) {
            engines.add("native");
        }
        return engines.build();
    }
}
