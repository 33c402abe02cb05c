package io.twd.protocol.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Splits the request side of an admin connection into lines, with the protocol's framing rules:
 * lines end at {@code \n}, one {@code \r} before it is dropped, at most
 * {@link AdminProtocol#MAX_LINE_BYTES} bytes count, and the text must be UTF-8. A server that frames
 * requests another way (e.g. a Netty pipeline) must behave the same; this class is the reference.
 * Not thread-safe: one reader per connection.
 */
public final class AdminLineReader {

    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    // One byte more than the limit, for the \r that may precede \n.
    private final byte[] line = new byte[AdminProtocol.MAX_LINE_BYTES + 1];
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();

    public AdminLineReader(InputStream in) {
        this.in = Objects.requireNonNull(in, "in");
    }

    /**
     * Reads the next request line, without its terminator.
     *
     * @return the line (possibly empty), or {@code null} at the end of the stream. A last line that
     *     has no {@code \n} is dropped, not returned: it is a request cut short, and running
     *     {@code pool del alpha} because {@code pool del alpha-old} was cut would be wrong.
     * @throws AdminSyntaxException if the line is longer than the limit or is not UTF-8; the whole
     *     line, up to and including its {@code \n}, has then been consumed and the next call reads
     *     the following line
     */
    public String readLine() throws IOException, AdminSyntaxException {
        int length = 0;
        boolean tooLong = false;
        for (int b = next(); b != '\n'; b = next()) {
            if (b < 0) {
                return null;
            }
            if (length < line.length) {
                line[length++] = (byte) b;
            } else {
                tooLong = true;
            }
        }
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        if (tooLong || length > AdminProtocol.MAX_LINE_BYTES) {
            throw new AdminSyntaxException(AdminProtocol.LINE_TOO_LONG);
        }
        try {
            return utf8.decode(ByteBuffer.wrap(line, 0, length)).toString();
        } catch (CharacterCodingException e) {
            throw new AdminSyntaxException("line is not valid UTF-8");
        }
    }

    private int next() throws IOException {
        if (position == limit) {
            limit = in.read(buffer);
            position = 0;
            if (limit <= 0) {
                limit = 0; // read() returns -1 at the end; stay at the end for further calls
                return -1;
            }
        }
        return buffer[position++] & 0xff;
    }
}
