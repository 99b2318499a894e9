package gameport.game;

import java.util.HashMap;
import java.util.Map;

/**
 * Who is online by name, and whose login is still loading. Names are unique on their
 * {@link NamePolicy#key}: names that look alike ("Alice", "alice", fullwidth "Ａｌｉｃｅ") are one
 * name, so they cannot both be online; the player keeps its name as typed for the wire. A login
 * reserves its name at CS_LOGIN, before its player is loaded, so a second login of the same name
 * in the meantime is refused as "name in use".
 */
final class Roster {
    private final Map<String, Player> byKey = new HashMap<>();
    private final Map<String, ClientSession> reserved = new HashMap<>();

    boolean taken(String key) {
        return byKey.containsKey(key) || reserved.containsKey(key);
    }

    void add(Player p) {
        byKey.put(p.nameKey, p);
    }

    void remove(Player p) {
        byKey.remove(p.nameKey, p);
    }

    /** {@code s} is loading the player named {@code key} (which is not taken). */
    void reserve(String key, ClientSession s) {
        reserved.put(key, s);
    }

    void release(String key, ClientSession s) {
        reserved.remove(key, s);
    }
}
