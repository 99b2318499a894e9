package gameport.game;

import java.util.function.Function;

/**
 * How the world's NPCs are made: the kind table (by visual, index 0 unused), the kinds that
 * spawn (visuals, mixed by weight), the behaviour, made once the world exists, and how the kinds
 * reload while the server runs (null: they do not).
 */
public record NpcSetup(NpcKind[] kinds, int[] spawn, Function<NpcActions, NpcBrain> brain, KindReload reload) {
    /** Kinds that do not reload. */
    public NpcSetup(NpcKind[] kinds, int[] spawn, Function<NpcActions, NpcBrain> brain) {
        this(kinds, spawn, brain, null);
    }

    /** Today's Java kinds (the reference the scripted ones are measured against). */
    public static NpcSetup builtIn(int[] spawn) {
        return new NpcSetup(NpcKind.builtIn(), spawn, HardCodedBrain::new);
    }
}
