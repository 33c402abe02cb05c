package io.twd.cli;

import java.util.Locale;

/**
 * Asks the operator for what a command is missing. Only the interactive shell has one: a one-shot
 * twctl never prompts, so scripts cannot hang on a question.
 */
public interface Prompter {
    /** Reads one answer, trimmed; empty when the operator just presses Enter. */
    String ask(String question);

    /** Prints a line of guidance. */
    void say(String line);

    /** A yes/no question; anything but y or yes is no. */
    default boolean confirm(String question) {
        String answer = ask(question + " [y/N] ").toLowerCase(Locale.ROOT);
        return answer.equals("y") || answer.equals("yes");
    }
}
