package gameport.game;

/**
 * Called on the game thread before each packet of a logged-in player is applied; set only by tests
 * (ServerConfig.packetHook, no flag) to inject a failure into one session's handling.
 */
@FunctionalInterface
public interface PacketHook {
    void before(String playerName, int packetType);
}
