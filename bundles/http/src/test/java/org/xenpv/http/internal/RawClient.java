package org.xenpv.http.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;

/**
 * One client connection whose bytes the test controls: requests are Netty's
 * encoding of what the test builds, or raw text for malformed ones; responses
 * are decoded by Netty's client codec, so the test sees exactly what came back
 * on this one connection.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final EmbeddedChannel codec = new EmbeddedChannel(new HttpClientCodec(),
            new HttpObjectAggregator(64 << 20));
    private final byte[] buffer = new byte[16 * 1024];

    RawClient(InetSocketAddress server) throws IOException {
        socket = new Socket(server.getAddress(), server.getPort());
        socket.setSoTimeout(20_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A request as a well-behaved client sends it. */
    static DefaultFullHttpRequest request(HttpMethod method, String uri) {
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        request.headers().set(HttpHeaderNames.HOST, "localhost");
        return request;
    }

    RawClient send(DefaultFullHttpRequest request) throws IOException {
        codec.writeOutbound(request);
        ByteBuf bytes;
        while ((bytes = codec.readOutbound()) != null) {
            try {
                bytes.readBytes(out, bytes.readableBytes());
            } finally {
                bytes.release();
            }
        }
        out.flush();
        return this;
    }

    RawClient sendRaw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** The next response on this connection; the caller releases it. */
    FullHttpResponse next() throws IOException {
        while (true) {
            Object message = codec.readInbound();
            if (message != null) {
                return (FullHttpResponse) message;
            }
            int n = in.read(buffer);
            if (n < 0) {
                codec.finish();
                message = codec.readInbound();
                if (message != null) {
                    return (FullHttpResponse) message;
                }
                throw new EOFException("the server closed the connection");
            }
            codec.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
        }
    }

    /** Whether the server closed its side: the next read ends the stream. */
    boolean closedByServer() throws IOException {
        return in.read(buffer) < 0;
    }

    /** Waits at most {@code millis} for a byte; true when one came. */
    boolean answersWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            int n = in.read(buffer);
            if (n > 0) {
                codec.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
            }
            return n > 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } finally {
            socket.setSoTimeout(20_000);
        }
    }

    @Override
    public void close() throws IOException {
        codec.finishAndReleaseAll();
        socket.close();
    }
}
