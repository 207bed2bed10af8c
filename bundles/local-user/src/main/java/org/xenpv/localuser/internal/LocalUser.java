package org.xenpv.localuser.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Karaf's local user {@code karaf}, given a random secret of its own when {@code etc/users.properties} has no
 * user yet, instead of a password that every copy of the distribution would share.
 *
 * <p>A user with an ssh key in {@code etc/keys.properties} counts too: an installation set up for key-only login
 * gets no password user behind its back.
 *
 * <p>The secret goes to {@code etc/karaf.secret}, readable and writable by the owner only; the user goes to
 * {@code etc/users.properties} (made owner-only too, since Karaf's properties realm keeps the password there, and
 * {@code bin/client} without {@code -u} reads it from there). A file that already names a user is left as it is:
 * whoever provisioned that user (an operator, a test fixture, {@code jaas:useradd}) chose its password.
 */
final class LocalUser {
    static final String USER = "karaf";
    static final String SECRET_FILE = "karaf.secret";
    static final String USERS_FILE = "users.properties";
    /** Karaf's public-key users (ssh key-only login): one of them is a user too. */
    static final String KEYS_FILE = "keys.properties";
    /** Karaf's own admin group, as its shipped users.properties defines it. */
    static final String GROUP = "_g_:admingroup";
    static final String GROUP_ROLES = "group,admin,manager,viewer,systembundles,ssh";
    static final int SECRET_LENGTH = 32;

    // Letters and digits only: the secret is typed or pasted into bin/client -p and shell scripts, and must not
    // contain the ',' that separates a password from its roles in users.properties.
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final String GROUP_PREFIX = "_g_:";

    private LocalUser() {
    }

    /**
     * Creates the local user with a fresh secret if neither {@code etc/users.properties} nor
     * {@code etc/keys.properties} (key-only logins) names a user.
     *
     * @return the secret's file when this call created the user; empty when a user was already there
     * @throws UnsupportedOperationException where the file system cannot restrict a file to its owner: no user
     *         is created then, as a secret others could read would be no better than a known one
     */
    static Optional<Path> provision(Path etc, SecureRandom random) throws IOException {
        Path users = etc.resolve(USERS_FILE);
        byte[] existing = read(users);
        Properties entries = parse(existing);
        if (namesAUser(entries) || namesAUser(parse(read(etc.resolve(KEYS_FILE))))) {
            return Optional.empty();
        }
        String secret = secret(random);
        Path secretFile = etc.resolve(SECRET_FILE);
        // The secret is on disk before the user exists, so there is never a user whose password nobody can find.
        replaceOwnerOnly(secretFile, (secret + "\n").getBytes(StandardCharsets.US_ASCII));

        ByteArrayOutputStream updated = new ByteArrayOutputStream();
        updated.writeBytes(existing);
        if (existing.length > 0 && existing[existing.length - 1] != '\n') {
            updated.write('\n');
        }
        StringBuilder lines = new StringBuilder();
        lines.append("# xenpv: the local user, created on first start; its password is also in ")
                .append(SECRET_FILE).append(".\n");
        if (!entries.containsKey(GROUP)) {
            lines.append("_g_\\:admingroup = ").append(GROUP_ROLES).append('\n');
        }
        lines.append(USER).append(" = ").append(secret).append(',').append(GROUP).append('\n');
        updated.writeBytes(lines.toString().getBytes(StandardCharsets.ISO_8859_1));
        replaceOwnerOnly(users, updated.toByteArray());
        return Optional.of(secretFile);
    }

    static String secret(SecureRandom random) {
        char[] secret = new char[SECRET_LENGTH];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(secret);
    }

    private static byte[] read(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    }

    private static boolean namesAUser(Properties entries) {
        return entries.stringPropertyNames().stream().anyMatch(name -> !name.startsWith(GROUP_PREFIX));
    }

    private static Properties parse(byte[] content) throws IOException {
        Properties entries = new Properties();
        try (InputStream in = new ByteArrayInputStream(content)) {
            entries.load(in);
        }
        return entries;
    }

    /**
     * Writes the file whole under a temporary name created owner-only, then renames it into place: a reader (Karaf's
     * realm checking a login) sees the old file or the new one, and the content is never readable by others, not
     * even for the moment between creating a file and restricting it.
     */
    private static void replaceOwnerOnly(Path file, byte[] content) throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.write(temporary, content);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
