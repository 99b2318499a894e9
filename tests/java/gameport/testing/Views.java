package gameport.testing;

import java.util.Arrays;

/** Whole-picture checks over several logged-in clients. */
public final class Views {
    private Views() {
    }

    public static boolean inRange(int r, int ax, int ay, int bx, int by) {
        return Math.abs(ax - bx) <= r && Math.abs(ay - by) <= r;
    }

    /**
     * Syncs every client (so all traffic caused so far has been read), then checks that each one
     * sees exactly the others within R (Chebyshev distance), at their real positions.
     */
    public static void assertConsistent(int r, TestClient... clients) {
        for (TestClient c : clients) {
            c.sync();
        }
        for (TestClient a : clients) {
            for (TestClient b : clients) {
                if (a == b) {
                    continue;
                }
                boolean expected = inRange(r, a.x(), a.y(), b.x(), b.y());
                if (a.sees(b.id()) != expected) {
                    throw a.failure((expected ? "does not see " : "sees ") + b.label() + " (id " + b.id() + ") at ("
                            + b.x() + "," + b.y() + ") from (" + a.x() + "," + a.y() + ") with R=" + r
                            + "; view " + a.viewIds());
                }
                if (expected) {
                    int[] pos = a.viewPos(b.id());
                    if (pos[0] != b.x() || pos[1] != b.y()) {
                        throw a.failure("has " + b.label() + " at " + Arrays.toString(pos) + " but it is at ("
                                + b.x() + "," + b.y() + ")");
                    }
                }
            }
        }
    }
}
