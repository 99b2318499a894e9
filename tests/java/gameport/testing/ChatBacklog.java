package gameport.testing;

import static gameport.protocol.Protocol.*;

import java.util.Arrays;

/** Builds a big queue of output toward a client that does not read, for the close and slow-reader tests. */
public final class ChatBacklog {
    private ChatBacklog() {
    }

    /**
     * Chats toward {@code reader}, which does not read, until about 6 MB wait for it: twice what
     * loopback TCP buffers here, so most of it waits in the engine (set --max-pending-bytes above
     * that). Returns the number of chats sent.
     */
    public static int queueChatsToward(TestClient reader, TestClient chatter) {
        chatter.awaitPacket(SC_ADD_OBJECT, p -> p.id() == reader.id());
        chatter.dontKeep(SC_CHAT);
        byte[][] batch = new byte[50][];
        Arrays.fill(batch, TestClient.chatPacket("q".repeat(MAX_CHAT_BYTES)));
        byte[] burst = TestClient.concat(batch);
        int chats = 0;
        while (chats < 20_000) {
            chatter.sendRaw(burst);
            chats += batch.length;
            chatter.moveAndAwait(chats / batch.length % 2 == 0 ? DIR_UP : DIR_DOWN); // paces the bursts
        }
        return chats;
    }
}
