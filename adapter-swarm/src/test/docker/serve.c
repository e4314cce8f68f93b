/*
 * The test image's server: answers every HTTP request on 127.0.0.1:PORT with 200 and "generation $GENERATION".
 * Several replicas of a service on the host's network share the port (SO_REUSEPORT), as a real server would have to.
 * Built statically by .ci/swarm-setup.sh into the image localhost/baton-busybox:1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void stop(int sig) {
    (void) sig;
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: serve PORT\n");
        return 2;
    }
    int port = atoi(argv[1]);
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short) port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *) &a, sizeof a) != 0 || listen(s, 64) != 0) {
        perror("serve: bind 127.0.0.1");
        return 1;
    }
    const char *generation = getenv("GENERATION");
    char body[256];
    int n = snprintf(body, sizeof body, "generation %s\n", generation == NULL ? "-" : generation);
    char response[512];
    int len = snprintf(response, sizeof response,
                       "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", n, body);
    printf("serving generation %s on 127.0.0.1:%d\n", generation == NULL ? "-" : generation, port);
    fflush(stdout);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            continue;
        }
        char request[4096];
        (void) read(c, request, sizeof request);
        (void) write(c, response, (size_t) len);
        close(c);
    }
}
