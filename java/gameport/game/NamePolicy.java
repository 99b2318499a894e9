package gameport.game;

import static gameport.protocol.Protocol.NAME_SIZE;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Which login names are valid, and when two names are the same name (docs/PROTOCOL.md, "Names").
 * Pure functions, no state.
 *
 * <p><b>Valid name.</b> The name is the bytes of {@code name[20]} before the first NUL. It is valid when
 * <ol>
 *   <li>it is 1..20 bytes of well-formed UTF-8, decoded strictly: malformed or truncated sequences,
 *       overlong forms (C0 AF), surrogates encoded in UTF-8 (ED A0 80) and anything above U+10FFFF are
 *       invalid, never replaced;</li>
 *   <li>its NFC form ({@link Normalizer.Form#NFC}) still fits 20 bytes of UTF-8 (NFC usually shortens a
 *       name, e.g. decomposed Hangul jamo, but can lengthen one: U+0958 becomes two code points);</li>
 *   <li>no code point of the NFC form is
 *       <ul>
 *         <li>a control character, Cc (C0, DEL, C1);</li>
 *         <li>a format character, Cf (U+00AD soft hyphen, U+200B..U+200F zero width space, ZWNJ, ZWJ
 *             and marks, U+202A..U+202E bidi embeddings and overrides, U+2066..U+2069 isolates, U+FEFF
 *             BOM, tag characters, ...);</li>
 *         <li>a separator, Zs/Zl/Zp, ASCII space included: names are one word ("P123");</li>
 *         <li>unassigned, Cn, in the JDK's Unicode version (Java 17: Unicode 13.0), noncharacters
 *             such as U+FDD0 and U+FFFF included; a character added to Unicode later is refused until
 *             the JDK knows it;</li>
 *         <li>a surrogate, Cs (strict decoding already refuses them; checked again all the same);</li>
 *         <li>private use, Co: it renders as whatever a client's font puts there, so two clients
 *             could see different names;</li>
 *         <li>any other default-ignorable code point (Unicode's Default_Ignorable_Code_Point, which
 *             renders as nothing): U+034F CGJ, the variation selectors U+FE00..U+FE0F and
 *             U+E0100..U+E01EF, U+17B4..U+17B5, U+180B..U+180F, and the Hangul fillers U+115F, U+1160,
 *             U+3164 and U+FFA0, a known way to make a blank name; or U+2800 braille pattern blank,
 *             which is a symbol (So) but shows as a blank too;</li>
 *       </ul></li>
 *   <li>it does not start with a combining mark (Mn, Mc, Me): a mark there draws onto whatever the
 *       client put before the name. Marks after a base character are fine (they are how many
 *       scripts are written); their number is bounded by the 20 bytes.</li>
 * </ol>
 * Letters, digits, punctuation and symbols of every script are allowed, emoji included (So), but
 * not emoji sequences that need U+200D ZWJ or U+FE0F: both are invisible characters by the rules above.
 *
 * <p><b>Same name.</b> Two valid names are the same name when their {@link #key keys} are equal:
 * <pre>
 *   key(name) = NFKC( toLowerCase( toUpperCase( NFKC(name), Locale.ROOT ), Locale.ROOT ) )
 * </pre>
 * NFKC first folds compatibility forms that look like (or are) the plain letter: fullwidth
 * "Ａｌｉｃｅ", the Kelvin sign, ligatures such as "ﬁ", superscripts, and it composes decomposed
 * sequences (e + U+0301 = é, Hangul jamo = syllables). Upper- then lower-casing with the root locale
 * is Java's nearest to Unicode's full case folding (Java has no case-fold API): full mappings, so
 * "ß" and "SS" both become "ss", "ı" and "I" become "i", and σ, ς and Σ meet (upper-casing maps all
 * three to Σ, and lower-casing then picks σ or ς from the position alone, so equal upper-case forms
 * give equal keys). A last NFKC puts back into normal form what case mapping decomposed (ǰ upper-cases
 * to J + U+030C). This approximates Unicode's NFKC_Casefold without its removal of ignorables, which
 * valid names do not contain. Not caught: look-alikes across scripts (Latin "a" and Cyrillic "а",
 * Latin "O" and Greek "Ο"), which need the confusables data of UTS #39 that the JDK does not ship.
 *
 * <p>The key is for comparison only (the name table, a ban list): it is never shown and never sent.
 * The player's name as the server shows it stays what was typed; the caller decides whether that is the
 * NFC form ({@link Verdict#name()}) or the original wire bytes.
 */
public final class NamePolicy {

    /** A login name checked: either {@code name} and {@code key} are set, or {@code reason} is. */
    public record Verdict(String name, String key, String reason) {
        public boolean valid() {
            return reason == null;
        }
    }

    private NamePolicy() {
    }

    /**
     * Checks the name in {@code wire[0, length)}, which ends early at a NUL; the whole
     * {@code name[20]} field can be passed with length 20.
     */
    public static Verdict check(byte[] wire, int length) {
        int end = 0;
        while (end < length && wire[end] != 0) {
            end++;
        }
        if (end == 0) {
            return invalid("empty name");
        }
        if (end > NAME_SIZE) {
            return invalid("longer than " + NAME_SIZE + " bytes (" + end + ")");
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(wire, 0, end);
        CharBuffer out = CharBuffer.allocate(end);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            return invalid("not valid UTF-8 (" + hexBytes(wire, in.position(), Math.min(end, in.position() + 4))
                    + " at byte " + in.position() + ")");
        }
        out.flip();
        String name = Normalizer.normalize(out, Normalizer.Form.NFC);
        int bytes = utf8Length(name);
        if (bytes > NAME_SIZE) {
            return invalid("longer than " + NAME_SIZE + " bytes after NFC (" + bytes + ")");
        }
        int first = name.codePointAt(0);
        if (isMark(Character.getType(first))) {
            return invalid("starts with a combining mark " + u(first));
        }
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            String what = refused(cp);
            if (what != null) {
                return invalid("contains " + u(cp) + " (" + what + ")");
            }
            i += Character.charCount(cp);
        }
        return new Verdict(name, key(name), null);
    }

    /** The NFC name, or null if the name in {@code wire[0, length)} is invalid. */
    public static String normalize(byte[] wire, int length) {
        return check(wire, length).name();
    }

    /** Why the name is invalid, for the server's log ("invalid name: ..."), or null if it is valid. */
    public static String whyInvalid(byte[] wire, int length) {
        return check(wire, length).reason();
    }

    /** The uniqueness key of a valid name (see the class comment); for comparison only. */
    public static String key(String name) {
        String compatible = Normalizer.normalize(name, Normalizer.Form.NFKC);
        String folded = compatible.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        return Normalizer.normalize(folded, Normalizer.Form.NFKC);
    }

    /** What kind of refused code point {@code cp} is, or null if a name may contain it. */
    static String refused(int cp) {
        switch (Character.getType(cp)) {
            case Character.CONTROL:
                return "control character";
            case Character.FORMAT:
                return "format character";
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return "space or separator";
            case Character.UNASSIGNED:
                return "unassigned code point";
            case Character.SURROGATE:
                return "surrogate";
            case Character.PRIVATE_USE:
                return "private use character";
            default:
                return invisible(cp) ? "invisible character" : null;
        }
    }

    /** Default_Ignorable_Code_Point outside Cf and Cn (those are refused by category), and U+2800. */
    private static boolean invisible(int cp) {
        return cp == 0x034F                          // combining grapheme joiner
                || cp == 0x115F || cp == 0x1160      // Hangul choseong / jungseong fillers
                || cp == 0x17B4 || cp == 0x17B5      // Khmer inherent vowels
                || (cp >= 0x180B && cp <= 0x180F)    // Mongolian variation selectors, vowel separator
                || cp == 0x2800                      // braille pattern blank
                || cp == 0x3164                      // Hangul filler
                || (cp >= 0xFE00 && cp <= 0xFE0F)    // variation selectors
                || cp == 0xFFA0                      // halfwidth Hangul filler
                || (cp >= 0xE0100 && cp <= 0xE01EF); // variation selectors supplement
    }

    private static boolean isMark(int type) {
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            i += Character.charCount(cp);
        }
        return n;
    }

    private static Verdict invalid(String reason) {
        return new Verdict(null, null, reason);
    }

    private static String u(int cp) {
        return String.format("U+%04X", cp);
    }

    private static String hexBytes(byte[] b, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to; i++) {
            s.append(i > from ? " " : "").append(String.format("%02X", b[i] & 0xFF));
        }
        return s.toString();
    }
}
