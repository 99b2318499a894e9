package gameport.game;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Login names: placeholder with the old rules (valid UTF-8, no control characters), key = name. */
final class NamePolicy {
    private NamePolicy() {
    }

    static String normalize(byte[] wire, int length) {
        if (length == 0) {
            return null;
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(wire, 0, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return null;
            }
        }
        return name;
    }

    static String key(String name) {
        return name;
    }
}
