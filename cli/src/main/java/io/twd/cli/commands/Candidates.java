package io.twd.cli.commands;

import io.twd.protocol.admin.AdminCommands;
import java.util.Iterator;

/**
 * Completion candidates for option values, taken from the shared catalogue so that bash completion,
 * the shell and the daemon's validation know the same names.
 */
final class Candidates {
    private Candidates() {}

    static final class Hashes implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return AdminCommands.completions("hash").iterator();
        }
    }

    static final class Distributions implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return AdminCommands.completions("distribution").iterator();
        }
    }
}
