package io.twd.cli.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.twd.cli.Exit;
import io.twd.cli.TwctlException;
import io.twd.protocol.admin.AdminProtocol;
import io.twd.protocol.admin.AdminResponse;
import io.twd.protocol.admin.AdminSyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the bodies of the daemon's answers: JSON documents, text, and the result of a change. */
public final class Replies {
    private Replies() {}

    /** The body as one JSON document (status, pool show and stats send JSON, possibly over several lines). */
    public static JsonElement json(AdminResponse response) {
        String text = String.join("\n", response.body());
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new TwctlException(Exit.UNREACHABLE, "twd sent a body that is not JSON: " + e.getMessage());
        }
    }

    public static JsonObject object(AdminResponse response) {
        JsonElement json = json(response);
        if (!json.isJsonObject()) {
            throw new TwctlException(Exit.UNREACHABLE, "twd sent JSON that is not an object: " + json);
        }
        return json.getAsJsonObject();
    }

    /**
     * The body as text. The protocol sends an empty line as a single space (an empty line would end
     * the response), so that is turned back.
     */
    public static List<String> text(AdminResponse response) {
        return response.body().stream().map(line -> line.equals(" ") ? "" : line).toList();
    }

    /**
     * The words of a change's answer, {@code OK generation=N pid=P [warning="..."]}, as a map. Words
     * without {@code =} are kept under their own name with an empty value, so nothing is lost if the
     * daemon's wording grows.
     */
    public static Map<String, String> changeResult(AdminResponse response) {
        Map<String, String> result = new LinkedHashMap<>();
        if (response.text() == null) {
            return result;
        }
        List<String> words;
        try {
            words = AdminProtocol.tokenize(response.text());
        } catch (AdminSyntaxException e) {
            words = List.of(response.text().split(" "));
        }
        for (String word : words) {
            int eq = word.indexOf('=');
            result.put(eq < 0 ? word : word.substring(0, eq), eq < 0 ? "" : word.substring(eq + 1));
        }
        return result;
    }
}
