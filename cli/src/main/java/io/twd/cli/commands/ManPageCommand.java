package io.twd.cli.commands;

import io.twd.cli.Exit;
import io.twd.cli.doc.ManPage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Hidden: rewrites the generated parts of twctl(1) from the command model (for developers). */
@Command(name = "gen-manpage", hidden = true, description = "Rewrite the generated regions of a twctl(1) roff file.")
public final class ManPageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The page to update in place, e.g. man/twctl.1.")
    Path file;

    @Override
    public Integer call() {
        try {
            String page = Files.readString(file, StandardCharsets.UTF_8);
            String updated = ManPage.update(page, spec.root().commandLine());
            if (!updated.equals(page)) {
                Files.writeString(file, updated, StandardCharsets.UTF_8);
            }
            spec.commandLine().getOut().println(file + (updated.equals(page) ? ": up to date" : ": updated"));
            return Exit.OK;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
