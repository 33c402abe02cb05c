package io.twd.daemon.internal.lifecycle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Writes the running config back to its file so that a restart starts from what is running. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * Replaces {@code file} with {@code yaml} atomically: a temp file in the same directory,
     * fsync, rename over, fsync the directory. A crash leaves the old or the new file, never half.
     * The comment block at the top of the old file is kept (snakeyaml cannot keep comments inside
     * the document, so those are lost; the header usually says what the file is and who owns it).
     */
    static void writeAtomically(Path file, String yaml) throws IOException {
        writeBytesAtomically(file, (header(file) + yaml).getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces {@code file} with exactly {@code content}, atomically as above. */
    static void writeBytesAtomically(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot fsync a directory; the rename itself is still atomic
        }
    }

    private static String header(Path file) {
        List<String> kept = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.startsWith("#")) {
                    break;
                }
                kept.add(line);
            }
        } catch (IOException e) {
            return "";
        }
        return kept.isEmpty() ? "" : String.join("\n", kept) + "\n";
    }
}
