package org.xenpv.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xenpv.http.HttpRequest;
import org.xenpv.http.HttpResponse;
import org.xenpv.stack.lwip.StackClosedException;
import org.xenpv.stack.lwip.TcpConnection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * One client connection, on its own thread. Netty's HTTP codec runs in an
 * EmbeddedChannel that no event loop drives: the bytes read from the stack
 * go in with writeInbound and come out as requests; responses go in with
 * writeOutbound and come out as bytes for the stack. File bodies bypass the
 * channel and go from the file to the stack in chunks, so a large file never
 * sits in memory whole.
 */
final class Connection {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final int READ_BUFFER = 16 * 1024;
    private static final int FILE_CHUNK = 64 * 1024;
    private static final int MAX_INITIAL_LINE = 8192;
    private static final int MAX_HEADER_SIZE = 16 * 1024;
    private static final int MAX_CHUNK_SIZE = 16 * 1024;
    private static final String SERVER_NAME = "xenpv";
    /** Heap buffers, unpooled: the pooled allocator keeps caches per thread, and these threads come and go. */
    private static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(false);
    /** Headers the server sets itself; a handler's are ignored. */
    private static final Set<String> SERVER_HEADERS = Set.of("content-length", "transfer-encoding", "connection",
            "date", "keep-alive");

    private final Server server;
    private final TcpConnection tcp;
    volatile Thread thread;
    private EmbeddedChannel channel;
    private OutputStream out;
    private byte[] chunk;

    Connection(Server server, TcpConnection tcp) {
        this.server = server;
        this.tcp = tcp;
    }

    /** Closes the socket: the thread serving it ends at its next read or write. */
    void close() {
        tcp.close();
    }

    void run() {
        channel = new EmbeddedChannel(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_CHUNK_SIZE),
                new HttpObjectAggregator(server.settings().maxRequestBody()));
        channel.config().setAllocator(ALLOCATOR);
        try {
            tcp.setReadTimeout(server.settings().idleTimeout());
            tcp.setWriteTimeout(server.settings().idleTimeout());
            InputStream in = tcp.input();
            out = tcp.output();
            byte[] buffer = new byte[READ_BUFFER];
            while (true) {
                Object message;
                while ((message = channel.readInbound()) != null) {
                    boolean keepAlive;
                    try {
                        keepAlive = message instanceof FullHttpRequest request && serve(request);
                    } finally {
                        ReferenceCountUtil.release(message);
                    }
                    if (!keepAlive) {
                        return;
                    }
                }
                // What the aggregator answered by itself: 100 Continue, or 413 for a body over the limit.
                writeOutbound();
                out.flush();
                if (!channel.isOpen()) {
                    return;
                }
                int n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                // Copied: the decoder may keep a partial request in the buffer it was given.
                channel.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
            }
        } catch (SocketTimeoutException e) {
            LOG.debug("HTTP connection from {} idle or stalled, closed", tcp.remoteAddress());
        } catch (StackClosedException e) {
            LOG.debug("HTTP connection from {} closed: {}", tcp.remoteAddress(), e.getMessage());
        } catch (IOException e) {
            LOG.debug("HTTP connection from {} failed: {}", tcp.remoteAddress(), e.toString());
        } catch (RuntimeException e) {
            LOG.warn("HTTP connection from {} failed", tcp.remoteAddress(), e);
        } finally {
            channel.finishAndReleaseAll();
            tcp.close();
        }
    }

    /** @return whether the connection stays open for another request */
    private boolean serve(FullHttpRequest request) throws IOException {
        server.countRequest();
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            Throwable cause = decoded.cause();
            HttpResponseStatus status = cause instanceof TooLongHttpLineException
                    ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException
                            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                            : HttpResponseStatus.BAD_REQUEST;
            // The decoder drops everything after a malformed request: nothing more can be read here.
            return status(request, status, false, Map.of());
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_1) && !request.headers().contains(HttpHeaderNames.HOST)) {
            return status(request, HttpResponseStatus.BAD_REQUEST, false, Map.of()); // RFC 9112, 3.2
        }
        Optional<QueryStringDecoder> target = target(request.uri());
        String path;
        try {
            path = target.map(QueryStringDecoder::path).orElse(null);
        } catch (IllegalArgumentException e) { // a malformed percent escape
            path = null;
        }
        if (path == null) {
            return status(request, HttpResponseStatus.BAD_REQUEST, false, Map.of());
        }
        Optional<Handlers.Entry> handler = server.handlers().match(path);
        if (handler.isPresent()) {
            return handle(request, handler.get(), target.get(), path, keepAlive);
        }
        return serveFile(request, path, keepAlive);
    }

    /** The request target in origin form (/path?query) or absolute form (http://host/path?query). */
    private static Optional<QueryStringDecoder> target(String uri) {
        if (uri.startsWith("/")) {
            return Optional.of(new QueryStringDecoder(uri));
        }
        try {
            URI absolute = new URI(uri);
            String scheme = absolute.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                return Optional.empty();
            }
            String rawPath = absolute.getRawPath() == null || absolute.getRawPath().isEmpty() ? "/"
                    : absolute.getRawPath();
            String query = absolute.getRawQuery() == null ? "" : "?" + absolute.getRawQuery();
            return Optional.of(new QueryStringDecoder(rawPath + query));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    private boolean handle(FullHttpRequest request, Handlers.Entry entry, QueryStringDecoder target, String path,
            boolean keepAlive) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : request.headers()) {
            headers.computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), name -> new ArrayList<>())
                    .add(header.getValue());
        }
        HttpRequest mine = new HttpRequest(request.method().name(), request.uri(), path, target.parameters(),
                headers, ByteBufUtil.getBytes(request.content()), tcp.remoteAddress());
        FullHttpResponse response;
        try {
            HttpResponse answer = entry.handler().handle(mine);
            if (answer == null) {
                throw new IllegalStateException("the handler returned no response");
            }
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()),
                    Unpooled.wrappedBuffer(answer.body()));
            // Netty refuses header names and values that would break the framing (CR, LF): that is a 500 too.
            answer.headers().forEach((name, value) -> {
                if (!SERVER_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    response.headers().set(name, value);
                }
            });
        } catch (Exception | LinkageError e) {
            LOG.warn("HTTP handler for {} failed on {} {}", entry.prefix(), request.method(), path, e);
            return status(request, HttpResponseStatus.INTERNAL_SERVER_ERROR, keepAlive, Map.of());
        }
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return send(request, response, keepAlive);
    }

    private boolean serveFile(FullHttpRequest request, String path, boolean keepAlive) throws IOException {
        if (server.files().isEmpty()) {
            return status(request, HttpResponseStatus.NOT_FOUND, keepAlive, Map.of());
        }
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            return status(request, HttpResponseStatus.METHOD_NOT_ALLOWED, keepAlive,
                    Map.of(HttpHeaderNames.ALLOW.toString(), "GET, HEAD"));
        }
        StaticFiles.Lookup lookup = server.files().get().find(path);
        if (lookup instanceof StaticFiles.Lookup.Invalid invalid) {
            LOG.debug("HTTP request from {} refused: {}: {}", tcp.remoteAddress(), invalid.why(), request.uri());
            return status(request, HttpResponseStatus.BAD_REQUEST, keepAlive, Map.of());
        }
        if (!(lookup instanceof StaticFiles.Lookup.Found found)) {
            return status(request, HttpResponseStatus.NOT_FOUND, keepAlive, Map.of());
        }
        Path file = found.file();
        FileChannel content;
        String lastModified;
        try {
            content = FileChannel.open(file, StandardOpenOption.READ);
            lastModified = DateFormatter.format(new Date(Files.getLastModifiedTime(file).toMillis()));
        } catch (IOException e) { // gone or unreadable since the lookup
            return status(request, HttpResponseStatus.NOT_FOUND, keepAlive, Map.of());
        }
        try (content) {
            long size = content.size();
            Optional<String> rangeHeader = Optional.ofNullable(request.headers().get(HttpHeaderNames.RANGE));
            String ifRange = request.headers().get(HttpHeaderNames.IF_RANGE);
            if (ifRange != null && !ifRange.equals(lastModified)) {
                rangeHeader = Optional.empty(); // the client's copy is of another version: all of it
            }
            ByteRange range = ByteRange.of(rangeHeader, size);
            if (range instanceof ByteRange.Unsatisfiable) {
                return status(request, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, keepAlive,
                        Map.of(HttpHeaderNames.CONTENT_RANGE.toString(), "bytes */" + size));
            }
            DefaultHttpResponse response;
            long first;
            long length;
            if (range instanceof ByteRange.Part part) {
                response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE,
                        "bytes " + part.first() + "-" + part.last() + "/" + size);
                first = part.first();
                length = part.length();
            } else {
                response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                first = 0;
                length = size;
            }
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, StaticFiles.contentType(file))
                    .set(HttpHeaderNames.LAST_MODIFIED, lastModified)
                    .set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
            HttpUtil.setContentLength(response, length);
            common(request, response.headers(), keepAlive);
            channel.writeOutbound(response);
            writeOutbound();
            if (!method.equals(HttpMethod.HEAD)) {
                copy(content, first, length);
            }
            // Brings the encoder back to the start of a message (it counts no bytes it did not see).
            channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
            writeOutbound();
            out.flush();
            return keepAlive;
        }
    }

    private void copy(FileChannel file, long first, long length) throws IOException {
        if (chunk == null) {
            chunk = new byte[FILE_CHUNK];
        }
        ByteBuffer buffer = ByteBuffer.wrap(chunk);
        long position = first;
        long remaining = length;
        while (remaining > 0) {
            buffer.clear().limit((int) Math.min(chunk.length, remaining));
            int n = file.read(buffer, position);
            if (n < 0) {
                // The file shrank after its length was sent: the client must see a short body, not a wrong one.
                throw new IOException("the file was cut short while being sent");
            }
            out.write(chunk, 0, n);
            position += n;
            remaining -= n;
        }
    }

    /** A response that is its status line as text. */
    private boolean status(FullHttpRequest request, HttpResponseStatus status, boolean keepAlive,
            Map<String, String> headers) throws IOException {
        byte[] body = (status + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        headers.forEach(response.headers()::set);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8");
        HttpUtil.setContentLength(response, body.length);
        return send(request, response, keepAlive);
    }

    private boolean send(FullHttpRequest request, FullHttpResponse response, boolean keepAlive) throws IOException {
        common(request, response.headers(), keepAlive);
        channel.writeOutbound(response);
        writeOutbound();
        out.flush();
        return keepAlive;
    }

    private static void common(FullHttpRequest request, HttpHeaders headers, boolean keepAlive) {
        headers.set(HttpHeaderNames.DATE, DateFormatter.format(new Date()));
        headers.set(HttpHeaderNames.SERVER, SERVER_NAME);
        if (keepAlive) {
            HttpUtil.setKeepAlive(headers, request.protocolVersion(), true); // an HTTP/1.0 client needs it said
        } else {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    /** Writes what the encoder made to the stack. */
    private void writeOutbound() throws IOException {
        ByteBuf bytes;
        while ((bytes = channel.readOutbound()) != null) {
            try {
                bytes.readBytes(out, bytes.readableBytes());
            } finally {
                bytes.release();
            }
        }
    }
}
