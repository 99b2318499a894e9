package gameport.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The behavioural tests run the native engine only where it loads; in CI (CI=true) it must load,
 * so a broken native build cannot pass as "tested on the Java engine only".
 */
class NativeAvailabilityTest {
    @Test
    void nativeEngineLoadsInCi() {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(NativeLibrary.isAvailable(), "CI must test the native engine: " + NativeLibrary.unavailableReason());
        }
    }
}
