package dev.baton.local.internal;

import dev.baton.model.HealthCheck;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one health check against an instance on 127.0.0.1 within the check's timeout. */
final class HealthProbe {
    private HealthProbe() {
    }

    static boolean probe(HealthCheck check, Map<String, Integer> ports, Map<String, String> env, Path dir) {
        int timeout = (int) Math.max(1, check.timing().timeout().toMillis());
        try {
            if (check instanceof HealthCheck.Http http) {
                Integer port = ports.get(http.port());
                if (port == null) {
                    return false;
                }
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + http.path()).toURL()
                        .openConnection(java.net.Proxy.NO_PROXY);
                c.setConnectTimeout(timeout);
                c.setReadTimeout(timeout);
                c.setInstanceFollowRedirects(false);
                try {
                    int code = c.getResponseCode();
                    return code >= 200 && code < 400;
                } finally {
                    c.disconnect();
                }
            }
            if (check instanceof HealthCheck.Tcp tcp) {
                Integer port = ports.get(tcp.port());
                if (port == null) {
                    return false;
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeout);
                    return true;
                }
            }
            HealthCheck.Exec exec = (HealthCheck.Exec) check;
            ProcessBuilder pb = new ProcessBuilder(List.copyOf(exec.command()));
            pb.environment().putAll(env);
            pb.directory(dir.toFile());
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            if (!p.waitFor(timeout, TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
