package io.aijobs.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback port helpers. Every server of the stack binds 127.0.0.1 only. */
public final class Ports {

    public static final String LOOPBACK = "127.0.0.1";

    private Ports() {
    }

    /** A port that was free on 127.0.0.1 a moment ago (the usual small race applies). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when something accepts connections on 127.0.0.1:{@code port}. */
    public static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until {@code port} can be bound on 127.0.0.1 (a process that just stopped may hold it a little longer), at
     * most {@code timeout}; returns whether it can.
     */
    public static boolean awaitFree(int port, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), 1);
                return true;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(500);
            }
        }
    }

    /**
     * Fails with a message naming the port and the option that sets it when {@code port} is taken, which is the
     * usual cause of a stack that "does not start" after an unclean stop.
     */
    public static void requireFree(int port, String what, String option) {
        // SO_REUSEADDR before the bind, as the servers bind: a port whose last connections linger in TIME_WAIT after a
        // stop (a broker restarted at once) is free for them
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), 1);
        } catch (IOException e) {
            throw new IllegalStateException("Port " + port + " for the " + what + " is already in use on " + LOOPBACK
                    + ". Stop whatever holds it (a stack from another checkout? `./aijobs stack down`) or choose another "
                    + "port with " + option + ".");
        }
    }
}
