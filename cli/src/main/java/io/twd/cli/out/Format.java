package io.twd.cli.out;

/** How a command prints its result ({@code -o}). */
public enum Format {
    /** Aligned columns with a header, for a person at a terminal (the default there). */
    table,
    /** Stable text for grep and awk: {@code key: value} or one item per line, tab-separated, no header. */
    plain,
    /** One JSON document, for programs. */
    json
}
