package gameport.web;

import gameport.game.LiveStats;
import gameport.ring.CloseReason;
import gameport.ring.ManyToOneRing;
import gameport.server.StageSample;
import java.util.List;

/** The operator page's data as JSON (admin.js reads it; the field names are its contract). */
final class AdminJson {
    private AdminJson() {
    }

    static String state(LiveStats.Snapshot s, List<StageSample> stages, String engine, ManyToOneRing events) {
        StringBuilder j = new StringBuilder(2048);
        j.append("{\"engine\":").append(quote(engine));
        j.append(",\"eventRingUsed\":").append((double) events.size() / events.capacity());
        if (s != null) {
            j.append(",\"timeMillis\":").append(s.timeMillis())
                    .append(",\"sessions\":").append(s.sessions())
                    .append(",\"players\":").append(s.players())
                    .append(",\"npcsAwake\":").append(s.npcsAwake())
                    .append(",\"packetsIn\":").append(s.packetsIn())
                    .append(",\"packetsOut\":").append(s.packetsOut())
                    .append(",\"bytesIn\":").append(s.bytesIn())
                    .append(",\"bytesOut\":").append(s.bytesOut())
                    .append(",\"logins\":").append(s.logins())
                    .append(",\"busyPercent\":").append(Math.round(s.busyRatio() * 1000) / 10.0);
            j.append(",\"closesByReason\":{");
            boolean first = true;
            for (CloseReason r : CloseReason.values()) {
                if (s.closes(r) > 0) {
                    j.append(first ? "" : ",").append(quote(r.label)).append(':').append(s.closes(r));
                    first = false;
                }
            }
            j.append("},\"recentCloses\":[");
            first = true;
            for (LiveStats.Close c : s.recentCloses()) {
                j.append(first ? "" : ",").append("{\"timeMillis\":").append(c.timeMillis())
                        .append(",\"session\":").append(quote(c.session()))
                        .append(",\"reason\":").append(quote(c.reason()))
                        .append(",\"text\":").append(quote(c.text())).append('}');
                first = false;
            }
            j.append(']');
        }
        j.append(",\"stages\":[");
        boolean first = true;
        for (StageSample st : stages) {
            j.append(first ? "" : ",").append("{\"name\":").append(quote(st.name()))
                    .append(",\"unit\":").append(quote(st.unit()))
                    .append(",\"p50\":").append(st.p50()).append(",\"p99\":").append(st.p99())
                    .append(",\"max\":").append(st.max()).append(",\"count\":").append(st.count()).append('}');
            first = false;
        }
        return j.append("]}").toString();
    }

    /** The last heatmap, or an empty one (cols 0) until the game thread made one. */
    static String heatmap(LiveStats.Heatmap h) {
        if (h == null) {
            return "{\"cols\":0,\"rows\":0,\"players\":[],\"npcsAwake\":[]}";
        }
        StringBuilder j = new StringBuilder(64 + h.players().length * 6);
        j.append("{\"timeMillis\":").append(h.timeMillis()).append(",\"width\":").append(h.width())
                .append(",\"height\":").append(h.height()).append(",\"cell\":").append(h.cell())
                .append(",\"cols\":").append(h.cols()).append(",\"rows\":").append(h.rows());
        array(j.append(",\"players\":"), h.players());
        array(j.append(",\"npcsAwake\":"), h.npcsAwake());
        return j.append('}').toString();
    }

    private static void array(StringBuilder j, int[] values) {
        j.append('[');
        for (int i = 0; i < values.length; i++) {
            j.append(i == 0 ? "" : ",").append(values[i]);
        }
        j.append(']');
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': q.append("\\\""); break;
                case '\\': q.append("\\\\"); break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
            }
        }
        return q.append('"').toString();
    }
}
