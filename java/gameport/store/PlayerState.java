package gameport.store;

/**
 * What is stored of a player: one row of the {@code players} table (resources/db/migration).
 * Immutable, so the game thread can hand a copy to the database worker without sharing anything
 * it goes on changing.
 *
 * @param nameKey the case-folded name (NamePolicy.key), the row's key
 * @param name the name as the player typed it, as of its last login
 * @param lastSeenMillis wall-clock time of the change this state was copied at
 */
public record PlayerState(String nameKey, String name, int x, int y, int hp, int level, long exp,
                          long lastSeenMillis) {
}
