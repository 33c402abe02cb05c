package io.twd.cli.out;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flattens a JSON object from the daemon into {@code key -> text} for {@link Output#keyValues}: lists
 * become comma-separated (space-separated in plain, so {@code awk} sees words), objects inside them
 * {@code k=v} words. Unknown fields are shown as they come, so a newer daemon's facts are not lost.
 */
public final class Facts {
    private Facts() {}

    public static Map<String, String> of(JsonObject object, Format format) {
        Map<String, String> facts = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : object.entrySet()) {
            facts.put(e.getKey(), text(e.getValue(), format));
        }
        return facts;
    }

    /** A value as text: strings unquoted, numbers as they are, lists joined, empty lists as "-" in a table. */
    public static String text(JsonElement value, Format format) {
        if (value == null || value.isJsonNull()) {
            return format == Format.table ? "-" : "";
        }
        if (value.isJsonPrimitive()) {
            return value.getAsString();
        }
        if (value.isJsonObject()) {
            List<String> words = new ArrayList<>();
            value.getAsJsonObject().entrySet().forEach(e -> words.add(e.getKey() + "=" + text(e.getValue(), format)));
            return String.join(" ", words);
        }
        List<String> items = new ArrayList<>();
        value.getAsJsonArray().forEach(item -> items.add(text(item, format)));
        if (items.isEmpty()) {
            return format == Format.table ? "-" : "";
        }
        return String.join(format == Format.table ? ", " : " ", items);
    }

    /** Seconds as a person reads them: {@code 93784 s} becomes {@code 1d 2h 3m 4s}. */
    public static String duration(long seconds) {
        long d = seconds / 86400;
        long h = seconds / 3600 % 24;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        StringBuilder out = new StringBuilder();
        if (d > 0) {
            out.append(d).append("d ");
        }
        if (d > 0 || h > 0) {
            out.append(h).append("h ");
        }
        if (d > 0 || h > 0 || m > 0) {
            out.append(m).append("m ");
        }
        return out.append(s).append('s').toString();
    }
}
