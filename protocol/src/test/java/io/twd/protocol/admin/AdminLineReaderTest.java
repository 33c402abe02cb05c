package io.twd.protocol.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class AdminLineReaderTest {

    private static final int MAX = AdminProtocol.MAX_LINE_BYTES;

    private static AdminLineReader reader(String text) {
        return reader(text.getBytes(UTF_8));
    }

    private static AdminLineReader reader(byte[] bytes) {
        return new AdminLineReader(new ByteArrayInputStream(bytes));
    }

    @Test
    void linesEndAtNewlineWithOptionalCarriageReturn() throws Exception {
        AdminLineReader in = reader("ping\r\npool list\n\nstatus \r\n\r\r\n");
        assertEquals("ping", in.readLine());
        assertEquals("pool list", in.readLine());
        assertEquals("", in.readLine());
        assertEquals("status ", in.readLine());
        assertEquals("\r", in.readLine(), "only the CR right before LF is dropped");
        assertNull(in.readLine());
        assertNull(in.readLine());
    }

    @Test
    void anUnterminatedLastLineIsDropped() throws Exception {
        AdminLineReader in = reader("ping\npool del alpha");
        assertEquals("ping", in.readLine());
        assertNull(in.readLine());
    }

    @Test
    void utf8() throws Exception {
        assertEquals("pool show café 😀", reader("pool show café 😀\n").readLine());
        AdminLineReader in = reader(new byte[] {'a', (byte) 0xff, 'b', '\n', 'o', 'k', '\n'});
        assertEquals("line is not valid UTF-8", assertThrows(AdminSyntaxException.class, in::readLine).getMessage());
        assertEquals("ok", in.readLine());
    }

    @Test
    void lengthLimitCountsBytesWithoutTheTerminator() throws Exception {
        String atLimit = "é".repeat(MAX / 2);
        AdminLineReader in = reader(atLimit + "\r\n" + atLimit + "\n" + atLimit + "x\r\nping\n"
                + "y".repeat(MAX + 1) + "\n" + "z".repeat(5 * MAX) + "\nquit\n");
        assertEquals(atLimit, in.readLine());
        assertEquals(atLimit, in.readLine());
        assertEquals("line too long (limit 65536 bytes)",
                assertThrows(AdminSyntaxException.class, in::readLine).getMessage());
        assertEquals("ping", in.readLine(), "the long line was skipped up to its newline");
        assertThrows(AdminSyntaxException.class, in::readLine);
        assertThrows(AdminSyntaxException.class, in::readLine);
        assertEquals("quit", in.readLine());
        assertNull(in.readLine());
    }

    @Test
    void readsFromAStreamThatDeliversOneByteAtATime() throws Exception {
        byte[] bytes = "ping\r\npool show alpha\n".getBytes(UTF_8);
        InputStream trickle = new InputStream() {
            private int next;

            @Override
            public int read() {
                return next < bytes.length ? bytes[next++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int c = read();
                if (c < 0) {
                    return -1;
                }
                b[off] = (byte) c;
                return 1;
            }
        };
        AdminLineReader in = new AdminLineReader(trickle);
        assertEquals("ping", in.readLine());
        assertEquals("pool show alpha", in.readLine());
        assertNull(in.readLine());
    }
}
