package dev.baton.examples.hello;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The hello service of the quick start: answers on 127.0.0.1 at {@code PORT_HTTP} with a greeting that names the
 * instance, and {@code /healthz} for health checks.
 */
public final class HelloServer {
    private HelloServer() {
    }

    public static void main(String[] args) throws IOException {
        String port = System.getenv("PORT_HTTP");
        if (port == null) {
            System.err.println("PORT_HTTP is not set");
            System.exit(2);
        }
        String greeting = System.getenv().getOrDefault("GREETING", "hello");
        String instance = System.getenv().getOrDefault("BATON_INSTANCE", "pid " + ProcessHandle.current().pid());
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port)), 64);
        server.createContext("/healthz", ex -> reply(ex, 200, "ok\n"));
        server.createContext("/", ex -> reply(ex, 200, greeting + " from " + instance + " on port " + port + "\n"));
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        System.out.println("hello server listening on 127.0.0.1:" + port);
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
