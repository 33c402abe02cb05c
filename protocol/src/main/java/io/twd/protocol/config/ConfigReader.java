package io.twd.protocol.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentEndEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingEndEvent;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceEndEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.events.StreamEndEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.scanner.ScannerException;

/**
 * Walks the YAML event stream of one config text and turns it into a {@link TwdConfig}.
 *
 * <p>It works on parser events rather than a composed tree because events carry line numbers,
 * keep every scalar as the raw text (no YAML 1.1 typing of {@code yes} or {@code 0x10}), see the
 * explicit {@code ---} and never merge duplicate keys. The subset is nutcracker's: one document
 * without {@code ---} or {@code ...}; a block map of pools, each a block map of scalar values plus
 * at most one {@code servers:} block list of scalars; no flow style, anchors, aliases or tags.
 * Values are checked by {@link PoolConfig.Builder}; this class only adds the line numbers.
 */
final class ConfigReader {
    private final String yaml;
    private final String source;
    private final Parser parser;
    /** Line of each pool, and of each key within it, to place errors found after the pool was read. */
    private final Map<String, Integer> poolLines = new HashMap<>();
    private final Map<String, Map<String, Integer>> keyLines = new HashMap<>();

    ConfigReader(String yaml, String source) {
        this.yaml = yaml;
        this.source = source;
        this.parser = new ParserImpl(new StreamReader(yaml), new LoaderOptions());
    }

    TwdConfig read() throws ConfigException {
        try {
            return readStream();
        } catch (MarkedYAMLException e) {
            // A scanner's context is where the bad token starts (e.g. an unclosed quote), while its
            // problem mark may be far later; a parser's context is the enclosing block, too early.
            Mark mark = e instanceof ScannerException && e.getContextMark() != null
                    ? e.getContextMark() : e.getProblemMark();
            String reason = "invalid YAML: " + e.getProblem()
                    + (e.getContext() != null ? " (" + e.getContext() + ")" : "");
            throw new ConfigException(source, mark != null ? mark.getLine() + 1 : 0, reason);
        } catch (ReaderException e) {
            throw new ConfigException(source, lineOfCodePoint(e.getCodePoint()), String.format(
                    "invalid YAML: character U+%04X is not allowed", e.getCodePoint()));
        } catch (YAMLException e) {
            throw new ConfigException(source, 0, "invalid YAML: " + e.getMessage());
        }
    }

    private TwdConfig readStream() throws ConfigException {
        next(); // stream start
        Event event = next();
        if (event instanceof StreamEndEvent) {
            throw new ConfigException(source, 0, "must contain exactly one document");
        }
        if (((DocumentStartEvent) event).getExplicit()) {
            throw error(event, "the document start marker \"---\" is not allowed");
        }
        List<PoolConfig> pools = readPools();
        event = next();
        if (((DocumentEndEvent) event).getExplicit()) {
            throw error(event, "the document end marker \"...\" is not allowed");
        }
        event = next();
        if (!(event instanceof StreamEndEvent)) {
            throw error(event, "must contain exactly one document");
        }
        try {
            return TwdConfig.of(pools);
        } catch (RuleViolation e) {
            throw new ConfigException(source, lineOf(e), e.getMessage());
        }
    }

    private List<PoolConfig> readPools() throws ConfigException {
        Event root = next();
        if (!(root instanceof MappingStartEvent)) {
            throw error(root, "the top level must be a map of pools");
        }
        List<PoolConfig> pools = new ArrayList<>();
        for (Event event = next(); !(event instanceof MappingEndEvent); event = next()) {
            String name = scalar(event, "pool names must be plain values");
            if (name.isEmpty()) {
                throw error(event, "a pool name is empty");
            }
            if (ConfigValues.hasControl(name)) {
                throw error(event, "a pool name has a control character");
            }
            if (poolLines.putIfAbsent(name, line(event)) != null) {
                throw error(event, "duplicate pool '" + name + "'");
            }
            pools.add(readPool(name));
        }
        return pools;
    }

    private PoolConfig readPool(String name) throws ConfigException {
        String prefix = "pool '" + name + "': ";
        Event value = next();
        if (value instanceof ScalarEvent s) {
            throw error(value, "pool '" + name + "' " + (s.getValue().isEmpty()
                    ? "has no directives" : "must be a map of directives, not a value"));
        }
        if (!(value instanceof MappingStartEvent)) {
            throw error(value, "pool '" + name + "' must be a map of directives, not a list");
        }
        PoolConfig.Builder builder = new PoolConfig.Builder(name);
        Map<String, Integer> lines = keyLines.computeIfAbsent(name, n -> new HashMap<>());
        for (Event keyEvent = next(); !(keyEvent instanceof MappingEndEvent); keyEvent = next()) {
            String key = scalar(keyEvent, prefix + "directive names must be plain values");
            if (!PoolConfig.keys().contains(key)) {
                throw error(keyEvent, prefix + "directive \"" + key + "\" is unknown");
            }
            // Only the loader knows a key was written twice; Builder.set simply overrides.
            if (lines.putIfAbsent(key, line(keyEvent)) != null) {
                throw error(keyEvent, prefix + "directive \"" + key + "\" is a duplicate");
            }
            if (key.equals("servers")) {
                readServers(builder, prefix);
            } else {
                Event valueEvent = next();
                if (!(valueEvent instanceof ScalarEvent s)) {
                    throw error(valueEvent, prefix + "\"" + key + "\" must be a single value, not a "
                            + (valueEvent instanceof SequenceStartEvent ? "list" : "map"));
                }
                try {
                    builder.set(key, s.getValue());
                } catch (IllegalArgumentException e) {
                    throw error(keyEvent, e.getMessage());
                }
            }
        }
        try {
            return builder.build();
        } catch (RuleViolation e) {
            throw new ConfigException(source, lineOf(e), e.getMessage());
        }
    }

    private void readServers(PoolConfig.Builder builder, String prefix) throws ConfigException {
        Event list = next();
        if (!(list instanceof SequenceStartEvent)) {
            throw error(list, prefix + "\"servers\" must be a list of \"host:port:weight [name]\" lines");
        }
        for (Event entry = next(); !(entry instanceof SequenceEndEvent); entry = next()) {
            String line = scalar(entry, prefix + "each server must be a single \"host:port:weight [name]\" line");
            ServerSpec server;
            try {
                server = ServerSpec.parse(line);
            } catch (IllegalArgumentException e) {
                throw error(entry, prefix + e.getMessage());
            }
            try {
                builder.addServer(server);
            } catch (IllegalArgumentException e) {
                throw error(entry, e.getMessage());
            }
        }
    }

    /** The next event, refused if it uses YAML that nutcracker does not allow. */
    private Event next() throws ConfigException {
        Event event = parser.getEvent();
        if (event instanceof AliasEvent a) {
            throw error(event, "aliases (\"*" + a.getAnchor() + "\") are not allowed");
        }
        if (event instanceof NodeEvent n && n.getAnchor() != null) {
            throw error(event, "anchors (\"&" + n.getAnchor() + "\") are not allowed");
        }
        if (event instanceof CollectionStartEvent c) {
            if (c.isFlow()) {
                throw error(event, "flow style \"" + (c instanceof SequenceStartEvent ? "[...]" : "{...}")
                        + "\" is not allowed; write one item per line");
            }
            if (c.getTag() != null) {
                throw error(event, "tags (\"" + c.getTag() + "\") are not allowed");
            }
        }
        if (event instanceof ScalarEvent s && s.getTag() != null) {
            throw error(event, "tags (\"" + s.getTag() + "\") are not allowed");
        }
        return event;
    }

    private String scalar(Event event, String otherwise) throws ConfigException {
        if (event instanceof ScalarEvent s) {
            return s.getValue();
        }
        throw error(event, otherwise);
    }

    private int lineOf(RuleViolation e) {
        Integer keyLine = e.key() == null ? null : keyLines.getOrDefault(e.pool(), Map.of()).get(e.key());
        return keyLine != null ? keyLine : poolLines.getOrDefault(e.pool(), 0);
    }

    /** The line of the first occurrence of a character; the reader reports no line itself. */
    private int lineOfCodePoint(int codePoint) {
        int at = yaml.indexOf(Character.toString(codePoint));
        return at < 0 ? 0 : (int) yaml.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }

    private static int line(Event event) {
        return event.getStartMark().getLine() + 1;
    }

    private ConfigException error(Event event, String reason) {
        return new ConfigException(source, line(event), reason);
    }
}
