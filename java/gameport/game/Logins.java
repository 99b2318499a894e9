package gameport.game;

import gameport.ring.CloseReason;
import gameport.store.DbWorker;
import gameport.store.LoginResult;
import gameport.store.PlayerState;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A valid CS_LOGIN's way into the world. Without a database the player enters at once. With
 * one, the name is reserved in the {@link Roster} at once (a second login of it is "name in
 * use"), the {@link DbWorker} is asked to load the player, and its answer arrives as an
 * EVENT_POSTED record in a later round: then the player enters where it left, with its stats,
 * or, new, on a free tile. No answer within {@code --login-db-timeout-ms}: SC_LOGIN_FAIL, and
 * the log says "database unavailable"; the session may try again. Game thread only.
 */
final class Logins {
    /** A login waiting for the database. */
    record Pending(long requestId, String name, String key, byte[] wireName, long deadline) {
    }

    private final World world;
    private final Outboxes outboxes;
    private final SessionLog log;
    private final Admission.Closer closer;
    private final PlayerSaves saves;
    private final DbWorker db;
    private final long dbTimeoutNanos;
    private final Map<Long, ClientSession> waiting = new HashMap<>();
    private long lastRequestId;

    /** @param db null: no database, players enter at once and are not saved */
    Logins(World world, Outboxes outboxes, SessionLog log, Admission.Closer closer, PlayerSaves saves, DbWorker db,
           long dbTimeoutMs) {
        this.world = world;
        this.outboxes = outboxes;
        this.log = log;
        this.closer = closer;
        this.saves = saves;
        this.db = db;
        this.dbTimeoutNanos = dbTimeoutMs * 1_000_000L;
    }

    /** A valid name (NFC, its key from NamePolicy) asked for by a session that is not logged in. */
    void begin(ClientSession s, String name, String key, byte[] wireName, long now) {
        if (s.pendingLogin != null) {
            refuse(s, "'" + name + "': a login of '" + s.pendingLogin.name() + "' is still loading", now);
            return;
        }
        if (db == null) {
            enter(s, name, key, wireName, null, now);
            return;
        }
        if (world.roster().taken(key)) {
            refuse(s, "'" + name + "': " + World.Refusal.NAME_IN_USE.label, now);
            return;
        }
        if (world.online() >= world.maxUsers()) {
            refuseFull(s, name, now);
            return;
        }
        Pending p = new Pending(++lastRequestId, name, key, wireName, now + dbTimeoutNanos);
        world.roster().reserve(key, s);
        s.pendingLogin = p;
        waiting.put(p.requestId(), s);
        db.load(p.requestId(), s.handle, key);
    }

    /** An EVENT_POSTED record from the database worker. */
    void onPosted(ByteBuffer b, int at, int length, long now) {
        if (length < LoginResult.LENGTH || LoginResult.kind(b, at) != LoginResult.KIND) {
            throw new IllegalStateException("unknown posted event of " + length + " bytes");
        }
        ClientSession s = waiting.remove(LoginResult.requestId(b, at));
        if (s == null) {
            return; // it timed out or closed meanwhile; its reservation is gone already
        }
        Pending p = s.pendingLogin;
        release(s);
        // The answer to the player's own CS_LOGIN: it leaves at this round's end, as if in reply to the packet.
        outboxes.actor = s;
        int status = LoginResult.status(b, at);
        if (status == LoginResult.UNAVAILABLE) {
            refuse(s, "'" + p.name() + "': database unavailable (loading the player failed)", now);
            return;
        }
        PlayerState stored = status == LoginResult.FOUND
                ? new PlayerState(p.key(), p.name(), LoginResult.x(b, at), LoginResult.y(b, at), LoginResult.hp(b, at),
                        LoginResult.level(b, at), LoginResult.exp(b, at), 0)
                : null;
        enter(s, p.name(), p.key(), p.wireName(), stored, now);
    }

    /** Refuses the logins whose answer is overdue. */
    void checkDeadlines(long now) {
        for (Iterator<ClientSession> it = waiting.values().iterator(); it.hasNext(); ) {
            ClientSession s = it.next();
            Pending p = s.pendingLogin;
            if (now - p.deadline() >= 0) {
                it.remove();
                release(s);
                refuse(s, "'" + p.name() + "': database unavailable (no answer within "
                        + dbTimeoutNanos / 1_000_000 + " ms, --login-db-timeout-ms)", now);
            }
        }
    }

    /** The session goes: its login, if one is loading, is forgotten (a late answer is ignored). */
    void cancel(ClientSession s) {
        if (s.pendingLogin != null) {
            waiting.remove(s.pendingLogin.requestId());
            release(s);
        }
    }

    int loading() {
        return waiting.size();
    }

    private void release(ClientSession s) {
        world.roster().release(s.pendingLogin.key(), s);
        s.pendingLogin = null;
    }

    private void enter(ClientSession s, String name, String key, byte[] wireName, PlayerState stored, long now) {
        World.Refusal refusal = world.login(s, name, key, wireName, stored);
        if (refusal == World.Refusal.SERVER_FULL) {
            refuseFull(s, name, now);
        } else if (refusal != null) {
            refuse(s, "'" + name + "': " + refusal.label, now);
        } else if (db != null) {
            saves.joined(s.player, stored == null);
        }
    }

    private void refuseFull(ClientSession s, String name, long now) {
        refuse(s, "'" + name + "': " + World.Refusal.SERVER_FULL.label, now);
        // The README's promise: a client the server has no room for hears why, then goes.
        closer.close(s, CloseReason.SERVER_FULL, "server full: " + world.online() + " players online");
    }

    void refuse(ClientSession s, String why, long now) {
        Packets.loginFail(outboxes.touch(s));
        log.info(now, s.describe() + " login refused: " + why);
    }
}
