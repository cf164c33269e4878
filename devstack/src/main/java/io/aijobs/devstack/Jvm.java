package io.aijobs.devstack;

import java.nio.file.Path;

/** The Java launcher of the running JVM, so that children run on the same Java as their parent. */
final class Jvm {

    private Jvm() {
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
