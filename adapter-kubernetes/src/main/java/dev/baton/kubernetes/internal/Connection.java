package dev.baton.kubernetes.internal;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A client and where its configuration came from ({@code origin}: the kubeconfig files and context, the in-cluster
 * service account, a URL given as the target, an application's own client), so that an API server that cannot be
 * reached is reported as kubectl users need it: which configuration, which URL, and why not.
 */
public record Connection(KubernetesClient client, String origin) {

    /** How {@code kubernetes://} and {@code kubernetes://<context>} found their configuration ({@code context} null: the current one). */
    public static String kubeconfigOrigin(Config config, String context) {
        Collection<String> names = Config.getKubeconfigFilenames();
        List<String> found = new ArrayList<>();
        names.forEach(n -> {
            if (new File(n).isFile()) {
                found.add(n);
            }
        });
        if (config.getCurrentContext() != null) {
            return "kubeconfig " + String.join(", ", found) + ", context " + config.getCurrentContext().getName();
        }
        if (!found.isEmpty()) {
            return "kubeconfig " + String.join(", ", found) + (context == null ? " has no current-context" : " has no context " + context);
        }
        String host = System.getenv(Config.KUBERNETES_SERVICE_HOST_PROPERTY);
        if (host != null && !host.isBlank()) {
            return "no kubeconfig found at " + String.join(", ", names) + "; in-cluster configuration (" + Config.KUBERNETES_SERVICE_HOST_PROPERTY
                    + "=" + host + ", service account token " + Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH + ")";
        }
        return "no kubeconfig found at " + (names.isEmpty() ? "~/.kube/config" : String.join(", ", names)) + "; in-cluster not detected: "
                + Config.KUBERNETES_SERVICE_HOST_PROPERTY + " is not set; set KUBECONFIG, or give the API server as kubernetes://https://HOST:6443";
    }

    /** The origin of an application's own client or configuration. */
    public static String givenOrigin(Config config) {
        return config.getCurrentContext() == null ? "the configuration given to Baton"
                : "the configuration given to Baton, context " + config.getCurrentContext().getName();
    }

    /**
     * Why a request could not reach the API server, for the caller: the URL tried, where that URL came from, and the
     * cause — the transport's own message where it gave one, else what a plain TCP connect to the same address says
     * (the JDK's HttpClient reports a refused connection as a {@code ConnectException} with no message).
     */
    public String unreachable(KubernetesClientException e) {
        Config config = client.getConfiguration();
        String url = config.getMasterUrl();
        return "cannot reach the API server at " + url + " (" + origin + "): " + cause(e, url, config.getConnectionTimeout());
    }

    private static String cause(Throwable e, String url, int connectTimeoutMillis) {
        Throwable named = null;
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                named = c;
            }
        }
        if (named != null) {
            return named.getClass().getSimpleName() + ": " + named.getMessage();
        }
        String probed = probe(url, connectTimeoutMillis <= 0 ? 5000 : Math.min(connectTimeoutMillis, 5000));
        if (probed != null) {
            return probed;
        }
        List<String> types = new ArrayList<>();
        for (Throwable c = e.getCause(); c != null && c != c.getCause() && types.size() < 4; c = c.getCause()) {
            types.add(c.getClass().getName());
        }
        return types.isEmpty() ? String.valueOf(e.getMessage()) : String.join(" caused by ", types);
    }

    /** What a plain TCP connect to the API server's address says, or null when it connects (the failure was not the connection). */
    private static String probe(String url, int timeoutMillis) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (u.getHost() == null) {
            return null;
        }
        int port = u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.getHost(), port), timeoutMillis);
            return null;
        } catch (UnknownHostException e) {
            return "unknown host " + u.getHost();
        } catch (SocketTimeoutException e) {
            return "no answer from " + u.getHost() + ":" + port + " within " + timeoutMillis + " ms";
        } catch (IOException e) {
            return (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + " (" + u.getHost() + ":" + port + ")";
        }
    }
}
