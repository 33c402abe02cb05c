package io.twd.protocol.config;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a {@code nutcracker.yml}. Accepts what nutcracker 0.5.0 accepts (plus the {@code reuseport}
 * key of its master branch) and refuses the rest, but tells exactly where and why; see
 * {@link ConfigReader} for the YAML subset.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /** @throws ConfigException labelled with the path as given, e.g. {@code conf/x.yml:12: …} */
    public static TwdConfig load(Path file) throws ConfigException {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (MalformedInputException e) {
            throw new ConfigException(source, 0, "is not valid UTF-8");
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, 0, "cannot be read: no such file");
        } catch (AccessDeniedException e) {
            throw new ConfigException(source, 0, "cannot be read: permission denied");
        } catch (IOException e) {
            throw new ConfigException(source, 0, "cannot be read: " + e.getMessage());
        }
        return parse(text, source);
    }

    /** @param source the label for error messages: a file name, or e.g. {@code admin} */
    public static TwdConfig parse(String yaml, String source) throws ConfigException {
        return new ConfigReader(yaml, source).read();
    }
}
