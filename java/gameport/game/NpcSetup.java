package gameport.game;

import java.util.function.Function;

/**
 * How the world's NPCs are made: the kind table (by visual, index 0 unused), the kinds that
 * spawn (visuals, mixed by weight), and the behaviour, made once the world exists.
 */
public record NpcSetup(NpcKind[] kinds, int[] spawn, Function<NpcActions, NpcBrain> brain) {
    /** Today's Java kinds (the reference the scripted ones are measured against). */
    public static NpcSetup builtIn(int[] spawn) {
        return new NpcSetup(NpcKind.builtIn(), spawn, HardCodedBrain::new);
    }
}
