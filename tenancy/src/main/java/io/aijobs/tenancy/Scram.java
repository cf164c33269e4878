package io.aijobs.tenancy;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.ResourceNotFoundException;

/** SCRAM-SHA-512 principals through the Admin API: created once with a generated password, never logged. */
final class Scram {

    private Scram() {
    }

    /** Creates the user with a new random password unless it has SCRAM-SHA-512 credentials; returns the new password. */
    static Optional<String> ensureUser(Admin admin, String user, int iterations, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (exists(admin, user, timeout)) {
            return Optional.empty();
        }
        String password = newPassword();
        upsert(admin, user, password, iterations, timeout);
        return Optional.of(password);
    }

    static void upsert(Admin admin, String user, String password, int iterations, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, iterations), password)))
                .all().get(timeout.toSeconds(), TimeUnit.SECONDS);
    }

    /** Deletes the user's SCRAM-SHA-512 credentials; false when it had none. */
    static boolean deleteUser(Admin admin, String user, Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        if (!exists(admin, user, timeout)) {
            return false;
        }
        admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_512)))
                .all().get(timeout.toSeconds(), TimeUnit.SECONDS);
        return true;
    }

    static boolean exists(Admin admin, String user, Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return admin.describeUserScramCredentials(List.of(user)).description(user).get(timeout.toSeconds(), TimeUnit.SECONDS)
                    .credentialInfos().stream().anyMatch(info -> info.mechanism() == ScramMechanism.SCRAM_SHA_512);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ResourceNotFoundException) {
                return false;
            }
            throw e;
        }
    }

    static String newPassword() {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
