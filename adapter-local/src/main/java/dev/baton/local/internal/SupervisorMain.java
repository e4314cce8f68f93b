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
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The supervisor daemon of a state directory: an {@link Engine} behind a JSON endpoint on 127.0.0.1 with a random
 * port and a token, both written to {@code supervisor.json} (0600, in the 0700 state directory) for clients, with
 * its pid and process start time so that a stale file is recognised. The endpoint checks the token before it reads
 * a body, serves on a bounded pool, drops a request whose headers do not arrive within ten seconds, and counts only
 * authenticated calls as activity. The daemon exits by itself when it has had no job and no authenticated call for
 * its idle time ({@link DaemonSettings}); on SIGTERM it stops every process and keeps its jobs on disk for the next supervisor; on the {@code stop}
 * call it removes them.
 */
public final class SupervisorMain {
    static final String INFO_FILE = "supervisor.json";
    /** Threads serving calls; long polls hold one each, so there are a few more than a CLI and its watchers need. */
    static final int POOL = 16;

    private SupervisorMain() {
    }

    public static void main(String[] args) throws IOException {
        // read by the JDK's HTTP server when it first starts: time to send a request's headers, and idle keep-alive
        System.setProperty("sun.net.httpserver.maxReqTime", "10");
        System.setProperty("sun.net.httpserver.idleInterval", "30");
        System.setProperty("sun.net.httpserver.maxReqHeaders", "64");
        Path stateDir = Path.of(args[0]);
        DaemonSettings settings = DaemonSettings.parse(args, 1);
        long idleMillis = settings.idleExit().toMillis();
        Engine engine;
        try {
            engine = new Engine(stateDir, settings.limits());
        } catch (RuntimeException e) {
            System.err.println("baton supervisor: " + e.getMessage());
            System.exit(3);
            return;
        }
        byte[] token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        AtomicLong lastCall = new AtomicLong(System.currentTimeMillis());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(POOL, POOL, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "baton-supervisor-rpc");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        server.setExecutor(pool);
        Runnable keep = () -> stop(server, engine, stateDir, true);
        server.createContext("/rpc/", ex -> {
            try {
                String given = ex.getRequestHeaders().getFirst(Rpc.TOKEN_HEADER);
                if (given == null || !MessageDigest.isEqual(token, given.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                    reply(ex, 403, "{\"type\":\"auth\",\"message\":\"wrong supervisor token\"}");
                    return;
                }
                lastCall.set(System.currentTimeMillis());
                String method = ex.getRequestURI().getPath().substring("/rpc/".length());
                JsonNode a = Rpc.JSON.readTree(ex.getRequestBody());
                if (method.equals("shutdown")) {
                    reply(ex, 200, "null");
                    new Thread(() -> {
                        stop(server, engine, stateDir, false);
                        System.exit(0);
                    }).start();
                    return;
                }
                Object result = dispatch(engine, method, a);
                reply(ex, 200, Rpc.JSON.writeValueAsString(result));
                lastCall.set(System.currentTimeMillis());
            } catch (RuntimeException e) {
                Rpc.Failure f = Rpc.failure(e);
                reply(ex, f.status(), Rpc.JSON.writeValueAsString(f.body()));
            } finally {
                ex.close();
            }
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(keep, "baton-supervisor-shutdown"));
        writeInfo(stateDir, server.getAddress().getPort(), new String(token, java.nio.charset.StandardCharsets.US_ASCII));
        Thread idle = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(Math.min(5_000, Math.max(100, idleMillis / 4)));
                } catch (InterruptedException e) {
                    return;
                }
                if (!engine.hasJobs() && System.currentTimeMillis() - lastCall.get() > idleMillis) {
                    System.exit(0);
                }
            }
        }, "baton-supervisor-idle");
        idle.setDaemon(true);
        idle.start();
    }

    private static boolean stopped;

    private static synchronized void stop(HttpServer server, Engine engine, Path stateDir, boolean keepJobs) {
        if (stopped) {
            return;
        }
        stopped = true;
        server.stop(0);
        engine.shutdown(keepJobs);
        try {
            Files.deleteIfExists(stateDir.resolve(INFO_FILE));
        } catch (IOException ignored) {
            // the next client sees a dead pid and starts a new supervisor
        }
    }

    private static void writeInfo(Path stateDir, int port, String token) throws IOException {
        ObjectNode info = Rpc.JSON.createObjectNode();
        ProcessHandle self = ProcessHandle.current();
        info.put("port", port);
        info.put("token", token);
        info.put("pid", self.pid());
        info.put("start", self.info().startInstant().map(Object::toString).orElse(null));
        PrivateFiles.writeAtomically(stateDir.resolve(INFO_FILE), Rpc.JSON.writeValueAsBytes(info));
    }

    private static Object dispatch(Engine e, String method, JsonNode a) {
        switch (method) {
            case "ping":
                return e.pid();
            case "deploy":
                return e.deploy(a.get(0).asText(), a.get(1).isNull() ? null : a.get(1).asText(), a.get(2).isNull() ? null : a.get(2).asText(),
                        a.path(3).asBoolean(false));
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
            case "supervisor":
                return e.supervisor();
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
