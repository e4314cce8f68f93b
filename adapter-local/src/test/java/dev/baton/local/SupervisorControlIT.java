package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Selector;
import dev.baton.Target;
import dev.baton.local.internal.RemoteBackend;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's control endpoint against clients that do not hold its token. */
class SupervisorControlIT {
    @TempDir
    Path state;

    @AfterEach
    void shutdown() {
        new RemoteBackend(state, Duration.ofSeconds(10)).shutdownSupervisor();
    }

    private Orchestrator connect(String idleExit) {
        OrchestratorConfig.Builder b = OrchestratorConfig.builder().property("local.stateDir", state.toString());
        if (idleExit != null) {
            b.property("local.supervisorIdleExit", idleExit);
        }
        return Orchestrators.connect(Target.parse("local://"), b.build());
    }

    private int port() throws Exception {
        return Integer.parseInt(Files.readString(state.resolve("supervisor.json")).replaceAll(".*\"port\":(\\d+).*", "$1").trim());
    }

    @Test
    void aThousandUnauthenticatedConnectionsDoNotGrowTheDaemonPastItsPool() throws Exception {
        try (Orchestrator o = connect(null)) {
            long pid = o.facet(LocalOrchestrator.class).orElseThrow().startSupervisor().pid();
            int port = port();
            int before = OsProcesses.threads(pid);
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                    if (i % 2 == 0) {
                        // headers begun and never finished
                        OutputStream out = s.getOutputStream();
                        out.write("POST /rpc/list HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                    sockets.add(s);
                }
                Thread.sleep(2000);
                int during = OsProcesses.threads(pid);
                assertThat(during - before).as("threads added by 1,000 connections").isLessThanOrEqualTo(16);
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            assertThat(o.list(Selector.all())).isEmpty();
        }
    }

    @Test
    void onlyAuthenticatedCallsKeepAnIdleSupervisorAlive() throws Exception {
        try (Orchestrator o = connect("2s")) {
            long pid = o.facet(LocalOrchestrator.class).orElseThrow().startSupervisor().pid();
            int port = port();
            ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
            Thread knocker = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        s.getOutputStream().write("POST /rpc/list HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n[]"
                                .getBytes(StandardCharsets.US_ASCII));
                        s.getInputStream().read();
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // gone
                    }
                }
            });
            knocker.setDaemon(true);
            knocker.start();
            try {
                daemon.onExit().get(30, TimeUnit.SECONDS);
            } finally {
                knocker.interrupt();
            }
            assertThat(daemon.isAlive()).isFalse();
        }
    }
}
