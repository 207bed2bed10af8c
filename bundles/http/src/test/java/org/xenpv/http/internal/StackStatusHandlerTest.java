package org.xenpv.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.xenpv.http.HttpRequest;
import org.xenpv.http.HttpResponse;

class StackStatusHandlerTest {
    private static HttpRequest request(String method) {
        return new HttpRequest(method, "/xenpv/status", "/xenpv/status", Map.of(), Map.of(), new byte[0],
                new InetSocketAddress(0));
    }

    @Test
    void listsEachStackAndForgetsOneThatGoes() {
        StackStatusHandler handler = new StackStatusHandler();
        LoopbackIpStack stack = new LoopbackIpStack();
        handler.addStack(stack);
        HttpResponse answer = handler.handle(request("GET"));
        String text = new String(answer.body(), StandardCharsets.UTF_8);
        assertEquals(200, answer.status());
        assertTrue(text.startsWith(stack.nicName() + " 127.0.0.1/8 "), text);
        assertTrue(text.contains(" RUNNING "), text);
        handler.removeStack(stack);
        assertEquals(0, handler.handle(request("GET")).body().length);
        assertEquals(405, handler.handle(request("POST")).status());
    }
}
