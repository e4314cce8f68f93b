package dev.baton.local;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The workload of the local adapter's tests, started as a real process: serves {@code /healthz} (500 when
 * {@code FAIL=1}) and {@code /} on 127.0.0.1:{@code PORT_HTTP}, and prints the secret it was given.
 */
public final class TestServer {
    private TestServer() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv("PORT_HTTP"));
        boolean fail = "1".equals(System.getenv("FAIL"));
        String secretFile = System.getenv("SECRET_FILE");
        if (secretFile != null) {
            Path f = Path.of(System.getenv("BATON_ROOT") + secretFile);
            System.out.println("secret-file=" + Files.readString(f).trim() + " mode=" + Files.getPosixFilePermissions(f));
        }
        if (System.getenv("SECRET_ENV") != null) {
            System.out.println("secret-env=" + System.getenv("SECRET_ENV"));
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.createContext("/healthz", ex -> reply(ex, fail ? 500 : 200, fail ? "failing\n" : "ok\n"));
        server.createContext("/", ex -> reply(ex, 200, "generation " + System.getenv("GENERATION") + " instance "
                + System.getenv("BATON_INSTANCE") + "\n"));
        server.start();
        Files.writeString(Path.of(System.getenv("BATON_ROOT"), "pid"), Long.toString(ProcessHandle.current().pid()));
        System.out.println("listening on " + port);
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }
}
