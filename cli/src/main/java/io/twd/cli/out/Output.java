package io.twd.cli.out;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints results in the chosen {@link Format}. Commands describe their result once (a key/value
 * list, rows, a JSON document) and this class lays it out; nothing else writes to stdout.
 */
public final class Output {
    private final Format format;
    private final PrintWriter out;

    public Output(Format format, PrintWriter out) {
        this.format = format;
        this.out = out;
    }

    public Format format() {
        return format;
    }

    public boolean json() {
        return format == Format.json;
    }

    /** One JSON document on one line (easy to read line by line; jq pretty-prints it). */
    public void json(JsonElement document) {
        out.println(Json.GSON.toJson(document));
        out.flush();
    }

    /** Facts about one thing: aligned {@code key  value} rows in a table, {@code key: value} lines in plain. */
    public void keyValues(Map<String, String> facts) {
        int width = facts.keySet().stream().mapToInt(String::length).max().orElse(0);
        facts.forEach((key, value) -> out.println(format == Format.table
                ? pad(key, width) + "  " + value : key + ": " + value));
        out.flush();
    }

    /** Rows under a header: aligned columns in a table; tab-separated, without the header, in plain. */
    public void rows(List<String> header, List<List<String>> rows) {
        if (format != Format.table) {
            rows.forEach(row -> out.println(String.join("\t", row)));
            out.flush();
            return;
        }
        int[] widths = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i + 1 < row.size() ? pad(row.get(i), widths[i]) + "  " : row.get(i));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** Text as it is, one line each (YAML, messages). */
    public void lines(List<String> lines) {
        lines.forEach(out::println);
        out.flush();
    }

    public void line(String line) {
        out.println(line);
        out.flush();
    }

    /** Holder: gson is initialised only by commands that print JSON, which keeps the others' start quick. */
    private static final class Json {
        static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }
}
