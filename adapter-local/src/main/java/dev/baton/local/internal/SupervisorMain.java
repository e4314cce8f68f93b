package dev.baton.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The supervisor daemon of a state directory: an {@link Engine} behind a JSON endpoint on 127.0.0.1 with a random
 * port and a token, both written to {@code supervisor.json} (mode 0600) for clients. It stops every process it
 * started when it exits, and exits by itself after ten idle minutes with no job.
 */
public final class SupervisorMain {
    static final String INFO_FILE = "supervisor.json";
    private static final long IDLE_EXIT_MILLIS = TimeUnit.MINUTES.toMillis(10);

    private SupervisorMain() {
    }

    public static void main(String[] args) throws IOException {
        Path stateDir = Path.of(args[0]);
        Engine engine = new Engine(stateDir);
        String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        AtomicLong lastCall = new AtomicLong(System.currentTimeMillis());
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "baton-supervisor-rpc");
            t.setDaemon(true);
            return t;
        }));
        Runnable shutdown = () -> {
            server.stop(0);
            engine.close();
            try {
                Files.deleteIfExists(stateDir.resolve(INFO_FILE));
            } catch (IOException ignored) {
                // the next client sees a dead pid and starts a new supervisor
            }
        };
        server.createContext("/rpc/", ex -> {
            lastCall.set(System.currentTimeMillis());
            try {
                if (!token.equals(ex.getRequestHeaders().getFirst(Rpc.TOKEN_HEADER))) {
                    reply(ex, 403, "{\"type\":\"auth\",\"message\":\"wrong supervisor token\"}");
                    return;
                }
                String method = ex.getRequestURI().getPath().substring("/rpc/".length());
                JsonNode a = Rpc.JSON.readTree(ex.getRequestBody());
                if (method.equals("shutdown")) {
                    reply(ex, 200, "null");
                    new Thread(() -> {
                        shutdown.run();
                        System.exit(0);
                    }).start();
                    return;
                }
                Object result = dispatch(engine, method, a);
                reply(ex, 200, Rpc.JSON.writeValueAsString(result));
            } catch (RuntimeException e) {
                Rpc.Failure f = Rpc.failure(e);
                reply(ex, f.status(), Rpc.JSON.writeValueAsString(f.body()));
            } finally {
                lastCall.set(System.currentTimeMillis());
            }
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "baton-supervisor-shutdown"));
        writeInfo(stateDir, server.getAddress().getPort(), token);
        Thread idle = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    return;
                }
                if (engine.list(null, Map.of()).isEmpty() && System.currentTimeMillis() - lastCall.get() > IDLE_EXIT_MILLIS) {
                    System.exit(0);
                }
            }
        }, "baton-supervisor-idle");
        idle.setDaemon(true);
        idle.start();
    }

    private static void writeInfo(Path stateDir, int port, String token) throws IOException {
        ObjectNode info = Rpc.JSON.createObjectNode();
        info.put("port", port);
        info.put("token", token);
        info.put("pid", ProcessHandle.current().pid());
        Path tmp = stateDir.resolve(INFO_FILE + ".tmp");
        Secrets.writePrivate(tmp, Rpc.JSON.writeValueAsBytes(info));
        Files.move(tmp, stateDir.resolve(INFO_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Object dispatch(Engine e, String method, JsonNode a) {
        switch (method) {
            case "ping":
                return e.pid();
            case "deploy":
                return e.deploy(a.get(0).asText(), a.get(1).isNull() ? null : a.get(1).asText(), a.get(2).isNull() ? null : a.get(2).asText());
            case "status":
                return e.status(a.get(0).asText());
            case "list": {
                Map<String, String> labels = new LinkedHashMap<>();
                a.get(1).properties().forEach(x -> labels.put(x.getKey(), x.getValue().asText()));
                return e.list(a.get(0).isNull() ? null : a.get(0).asText(), labels);
            }
            case "scale":
                return e.scale(a.get(0).asText(), a.get(1).asText(), a.get(2).asInt());
            case "rollback":
                return e.rollback(a.get(0).asText());
            case "undeploy":
                e.undeploy(a.get(0).asText());
                return null;
            case "hosts":
                return e.hosts();
            case "endpoints":
                return e.endpoints(a.get(0).asText());
            case "putSecret": {
                Map<String, byte[]> values = new LinkedHashMap<>();
                a.get(1).properties().forEach(x -> {
                    try {
                        values.put(x.getKey(), x.getValue().binaryValue());
                    } catch (IOException ex) {
                        throw new IllegalArgumentException(ex);
                    }
                });
                e.putSecret(a.get(0).asText(), values);
                return null;
            }
            case "secrets":
                return e.secrets();
            case "deleteSecret":
                e.deleteSecret(a.get(0).asText());
                return null;
            case "logs":
                return e.logs(a.get(0).asText(), a.get(1).asInt());
            case "progress":
                return e.progress(a.get(0).asText(), a.get(1).isNull() ? null : a.get(1).asText());
            case "awaitChange":
                return e.awaitChange(a.get(0).asLong(), Math.min(a.get(1).asLong(), 60_000));
            case "events":
                return e.events(a.get(0).asText(), a.get(1).asLong());
            case "spec":
                return e.spec(a.get(0).asText());
            case "sequence":
                return e.sequence();
            default:
                throw new IllegalArgumentException("unknown call " + method);
        }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
