package gameport.world;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A hand-drawn map for a test: written to a file in the format of docs/MAP_FORMAT.md and kept as
 * rows so the test can tell wall from free tile without asking the server's loader.
 */
final class MapFiles {
    final Path path;
    final String[] rows;
    final int width;
    final int height;

    private MapFiles(Path path, String[] rows) {
        this.path = path;
        this.rows = rows;
        this.width = rows[0].length();
        this.height = rows.length;
    }

    /** Writes {@code rows} ('.' free, '#' wall; the first row is y = 0) as {@code dir/name}. */
    static MapFiles write(Path dir, String name, String... rows) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("; test map ").append(name).append('\n');
        b.append("gameport-map 1 ").append(rows[0].length()).append(' ').append(rows.length).append('\n');
        for (String r : rows) {
            if (r.length() != rows[0].length()) {
                throw new IllegalArgumentException("ragged test map row: " + r);
            }
            b.append(r).append('\n');
        }
        Path p = dir.resolve(name);
        Files.writeString(p, b.toString(), StandardCharsets.US_ASCII);
        return new MapFiles(p, rows.clone());
    }

    String file() {
        return path.toString();
    }

    boolean isFree(int x, int y) {
        return x >= 0 && y >= 0 && x < width && y < height && rows[y].charAt(x) == '.';
    }

    int freeTiles() {
        int n = 0;
        for (String r : rows) {
            for (int i = 0; i < r.length(); i++) {
                if (r.charAt(i) == '.') {
                    n++;
                }
            }
        }
        return n;
    }

    /** A row of {@code n} copies of {@code c}. */
    static String row(int n, char c) {
        return String.valueOf(c).repeat(n);
    }
}
