package io.twd.cli.commands;

import io.twd.cli.TwctlException;
import java.util.function.Supplier;

/** Builds an admin request; the request records check the grammar, and a refusal is a usage error. */
final class Requests {
    private Requests() {}

    static <T> T valid(Supplier<T> request) {
        try {
            return request.get();
        } catch (IllegalArgumentException e) {
            throw TwctlException.usage(e.getMessage());
        }
    }
}
