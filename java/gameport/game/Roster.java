package gameport.game;

import java.util.HashMap;
import java.util.Map;

/**
 * Who is online, by name. Names are unique on their {@link NamePolicy#key}: names that look
 * alike ("Alice", "alice", fullwidth "Ａｌｉｃｅ") are one name, so they cannot both be online;
 * the player keeps its name as typed for the wire.
 */
final class Roster {
    private final Map<String, Player> byKey = new HashMap<>();

    boolean taken(String key) {
        return byKey.containsKey(key);
    }

    void add(Player p) {
        byKey.put(p.nameKey, p);
    }

    void remove(Player p) {
        byKey.remove(p.nameKey, p);
    }
}
