package gameport.game;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes the map text format of docs/MAP_FORMAT.md:
 *
 * <pre>
 * gameport-map 1 WIDTH HEIGHT
 * ; comment
 * HEIGHT rows of WIDTH characters, '.' free and '#' wall, the first row y = 0
 * </pre>
 *
 * Every error names the file and line, so whoever edits a map by hand can find the mistake.
 */
public final class MapLoader {
    public static final String MAGIC = "gameport-map";
    public static final int VERSION = 1;
    public static final char FREE = '.';
    public static final char WALL = '#';
    public static final char COMMENT = ';';

    /** A map file that breaks the format; the message starts with {@code file:line:}. */
    public static final class MapFormatException extends IOException {
        private static final long serialVersionUID = 1L;

        MapFormatException(Path file, int line, String problem) {
            super(file + ":" + line + ": " + problem);
        }

        MapFormatException(Path file, String problem) {
            super(file + ": " + problem);
        }
    }

    private MapLoader() {}

    public static GameMap load(Path file) throws IOException {
        // Latin-1 maps every byte to one char: no decoding errors, and a stray byte is reported as
        // a bad tile at its line and column.
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            return read(file, in);
        }
    }

    public static void write(GameMap map, Path file) throws IOException {
        int width = map.width();
        char[] row = new char[width];
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            out.write(MAGIC + " " + VERSION + " " + width + " " + map.height() + "\n");
            for (int y = 0; y < map.height(); y++) {
                for (int x = 0; x < width; x++) {
                    row[x] = map.isWall(x, y) ? WALL : FREE;
                }
                out.write(row);
                out.write('\n');
            }
        }
    }

    private static GameMap read(Path file, BufferedReader in) throws IOException {
        int lineNumber = 0;
        String line;
        do {
            line = in.readLine();
            lineNumber++;
            if (line == null) {
                throw new MapFormatException(file, lineNumber, "empty file: expected the header '"
                        + MAGIC + " " + VERSION + " WIDTH HEIGHT'");
            }
        } while (isSkipped(line));
        int[] size = parseHeader(file, lineNumber, line);
        int width = size[0];
        int height = size[1];
        long[] walls = GameMap.emptyWalls(width, height);
        // The line each row came from, to point at an unreachable tile.
        int[] rowLines = new int[height];
        int y = 0;
        while ((line = in.readLine()) != null) {
            lineNumber++;
            if (isSkipped(line)) {
                continue;
            }
            if (y == height) {
                throw new MapFormatException(file, lineNumber, "more than the " + height
                        + " rows the header announces");
            }
            if (line.length() != width) {
                throw new MapFormatException(file, lineNumber, "row " + y + " has " + line.length()
                        + " tiles, expected " + width);
            }
            int rowStart = y * width;
            for (int x = 0; x < width; x++) {
                char c = line.charAt(x);
                if (c == WALL) {
                    int tile = rowStart + x;
                    walls[tile >>> 6] |= 1L << tile;
                } else if (c != FREE) {
                    throw new MapFormatException(file, lineNumber, "column " + (x + 1) + ": "
                            + describe(c) + " is not a tile: use '" + FREE + "' (free) or '" + WALL + "' (wall)");
                }
            }
            rowLines[y++] = lineNumber;
        }
        if (y < height) {
            throw new MapFormatException(file, lineNumber, "the file ends after " + y + " of the "
                    + height + " rows the header announces");
        }
        checkReachable(file, width, height, walls, rowLines);
        return new GameMap(width, height, walls);
    }

    /** Every free tile must be reachable, or something spawned there could never leave. */
    private static void checkReachable(Path file, int width, int height, long[] walls, int[] rowLines)
            throws MapFormatException {
        GameMap.Areas areas = new GameMap.Areas(width, height, walls);
        long[] largest = areas.largest();
        if (largest == null) {
            throw new MapFormatException(file, "no free tile: players and NPCs need somewhere to stand");
        }
        for (int word = 0; word < walls.length; word++) {
            long cutOff = ~walls[word] & ~largest[word];
            if (cutOff != 0) {
                int tile = (word << 6) + Long.numberOfTrailingZeros(cutOff);
                int x = tile % width;
                int y = tile / width;
                throw new MapFormatException(file, rowLines[y], "free tile (" + x + ", " + y
                        + ") cannot be reached from the largest open area (the free tiles form "
                        + areas.areaCount() + " separate areas; every free tile must be reachable"
                        + " through up/down/left/right steps: open a path or wall the pocket in)");
            }
        }
    }

    private static int[] parseHeader(Path file, int lineNumber, String line) throws MapFormatException {
        String[] fields = line.trim().split("\\s+");
        String expected = "expected the header '" + MAGIC + " " + VERSION + " WIDTH HEIGHT'";
        if (fields.length != 4 || !fields[0].equals(MAGIC)) {
            throw new MapFormatException(file, lineNumber, expected + ", found '" + line + "'");
        }
        if (!fields[1].equals(Integer.toString(VERSION))) {
            throw new MapFormatException(file, lineNumber, "format version " + fields[1]
                    + " is not supported (this server reads version " + VERSION + ")");
        }
        int width = parseSide(file, lineNumber, "width", fields[2]);
        int height = parseSide(file, lineNumber, "height", fields[3]);
        return new int[] {width, height};
    }

    private static int parseSide(Path file, int lineNumber, String name, String text) throws MapFormatException {
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 1 || value > GameMap.MAX_SIDE) {
            throw new MapFormatException(file, lineNumber, name + " '" + text + "' must be a whole number in 1.."
                    + GameMap.MAX_SIDE);
        }
        return value;
    }

    /**
     * Comment lines and blank lines carry no tiles (a row is never empty: width >= 1). Line ends may
     * be \n, \r\n or \r: {@code readLine} strips them all.
     */
    private static boolean isSkipped(String line) {
        return line.isEmpty() || line.charAt(0) == COMMENT;
    }

    private static String describe(char c) {
        if (c < ' ' || c > '~') {
            return String.format("byte 0x%02X", (int) c);
        }
        return "'" + c + "'";
    }
}
