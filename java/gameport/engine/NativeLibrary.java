package gameport.engine;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads {@code libgameport} once: from the path in the system property {@value #PROPERTY} if set,
 * else from inside the jar ({@code /native/<os>-<arch>/libgameport.so}, copied to a temp file),
 * then checks that the completion engine really works here (io_uring on Linux, IOCP on Windows;
 * io_uring_setup can be refused, e.g. by a container's seccomp profile). Never throws: {@link #unavailableReason()} says why the native engine cannot run.
 */
public final class NativeLibrary {
    /** System property naming the library file to load instead of the one in the jar. */
    public static final String PROPERTY = "gameport.native.lib";

    private static final String UNAVAILABLE_REASON = load();

    private NativeLibrary() {
    }

    public static boolean isAvailable() {
        return UNAVAILABLE_REASON == null;
    }

    /** Why the native engine cannot run here (one line for the log), or null if it can. */
    public static String unavailableReason() {
        return UNAVAILABLE_REASON;
    }

    /** Throws with the reason unless the library is loaded and its completion engine works. */
    static void require() {
        if (UNAVAILABLE_REASON != null) {
            throw new IllegalStateException("native engine unavailable: " + UNAVAILABLE_REASON);
        }
    }

    /** "linux-x86_64", "linux-aarch64", "windows-x86_64", ... */
    static String platform() {
        String os = System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            os = "linux";
        } else if (os.startsWith("windows")) {
            os = "windows";
        } else if (os.startsWith("mac")) {
            os = "macos";
        }
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            arch = "x86_64";
        } else if (arch.equals("arm64")) {
            arch = "aarch64";
        }
        return os + "-" + arch;
    }

    private static String load() {
        try {
            String explicit = System.getProperty(PROPERTY);
            if (explicit != null && !explicit.isEmpty()) {
                File file = new File(explicit);
                if (!file.isFile()) {
                    return PROPERTY + "=" + explicit + ": no such file";
                }
                System.load(file.getAbsolutePath());
            } else {
                String platform = platform();
                String fileName = platform.startsWith("windows") ? "gameport.dll" : "libgameport.so";
                String resource = "/native/" + platform + "/" + fileName;
                try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        return "no native library for " + platform + " in the jar";
                    }
                    Path tmp = Files.createTempFile("gameport-", "-" + fileName);
                    try {
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                        System.load(tmp.toAbsolutePath().toString());
                    } finally {
                        // The loaded mapping outlives the name; on Windows deletion waits for exit.
                        if (!tmp.toFile().delete()) {
                            tmp.toFile().deleteOnExit();
                        }
                    }
                }
            }
            return probe0();
        } catch (UnsatisfiedLinkError | IOException | SecurityException e) {
            return "cannot load the native library: " + e.getMessage();
        }
    }

    /** Null if the completion engine can be created here (io_uring, IOCP), else e.g. "io_uring_setup failed: Operation not permitted". */
    private static native String probe0();
}
