package org.xenpv.localuser.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalUserTest {
    // The distribution's etc/users.properties as shipped: Karaf's admin group and no user.
    private static final String SHIPPED = "# the users, groups and roles\n"
            + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n";

    @TempDir
    Path etc;

    private Properties users() throws IOException {
        Properties users = new Properties();
        try (InputStream in = Files.newInputStream(etc.resolve(LocalUser.USERS_FILE))) {
            users.load(in);
        }
        return users;
    }

    private String secret() throws IOException {
        return Files.readString(etc.resolve(LocalUser.SECRET_FILE), StandardCharsets.US_ASCII).strip();
    }

    private String mode(String file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(etc.resolve(file)));
    }

    @Test
    void aFileWithoutUsersGetsTheLocalUserWithTheSecretOnlyTheOwnerCanRead() throws IOException {
        Files.writeString(etc.resolve(LocalUser.USERS_FILE), SHIPPED);

        Optional<Path> written = LocalUser.provision(etc, new SecureRandom());

        assertEquals(Optional.of(etc.resolve(LocalUser.SECRET_FILE)), written);
        String secret = secret();
        assertTrue(Pattern.matches("[A-Za-z0-9]{" + LocalUser.SECRET_LENGTH + "}", secret), secret);
        assertEquals(secret + ",_g_:admingroup", users().getProperty("karaf"));
        assertEquals("group,admin,manager,viewer,systembundles,ssh", users().getProperty("_g_:admingroup"));
        assertEquals("rw-------", mode(LocalUser.SECRET_FILE));
        assertEquals("rw-------", mode(LocalUser.USERS_FILE));
        assertTrue(Files.readString(etc.resolve(LocalUser.USERS_FILE)).startsWith(SHIPPED),
                "the shipped lines are kept as they were");
        try (var left = Files.list(etc)) {
            assertEquals(2, left.count(), "no temporary file left beside the two");
        }
    }

    @Test
    void aFileThatNamesAUserIsLeftAsItIsAndNoSecretIsWritten() throws IOException {
        byte[] provisioned = (SHIPPED + "karaf = chosen-by-the-fixture,_g_:admingroup\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        Files.write(etc.resolve(LocalUser.USERS_FILE), provisioned);

        assertEquals(Optional.empty(), LocalUser.provision(etc, new SecureRandom()));

        assertArrayEquals(provisioned, Files.readAllBytes(etc.resolve(LocalUser.USERS_FILE)));
        assertFalse(Files.exists(etc.resolve(LocalUser.SECRET_FILE)));
    }

    @Test
    void anyUserCountsNotOnlyKaraf() throws IOException {
        Files.writeString(etc.resolve(LocalUser.USERS_FILE), SHIPPED + "watcher = w,viewer\n");

        assertEquals(Optional.empty(), LocalUser.provision(etc, new SecureRandom()));
        assertFalse(users().containsKey("karaf"));
    }

    @Test
    void aKeyOnlyUserCountsAndGetsNoPasswordUserBeside() throws IOException {
        Files.writeString(etc.resolve(LocalUser.USERS_FILE), SHIPPED);
        Files.writeString(etc.resolve(LocalUser.KEYS_FILE), "_g_\\:admingroup = group,admin,ssh\n"
                + "karaf = AAAAB3NzaC1yc2EAAAADAQABAAABAQC,_g_:admingroup\n");

        assertEquals(Optional.empty(), LocalUser.provision(etc, new SecureRandom()));
        assertFalse(users().containsKey("karaf"));
        assertFalse(Files.exists(etc.resolve(LocalUser.SECRET_FILE)));
    }

    @Test
    void keysWithOnlyTheGroupAsKarafShipsThemDoNotCount() throws IOException {
        Files.writeString(etc.resolve(LocalUser.USERS_FILE), SHIPPED);
        Files.writeString(etc.resolve(LocalUser.KEYS_FILE), "_g_\\:admingroup = group,admin,ssh\n");

        assertTrue(LocalUser.provision(etc, new SecureRandom()).isPresent());
        assertEquals(secret() + ",_g_:admingroup", users().getProperty("karaf"));
    }

    @Test
    void theSecondStartFindsTheUserTheFirstCreatedAndKeepsItsSecret() throws IOException {
        Files.writeString(etc.resolve(LocalUser.USERS_FILE), SHIPPED);
        LocalUser.provision(etc, new SecureRandom());
        String first = secret();
        byte[] afterFirst = Files.readAllBytes(etc.resolve(LocalUser.USERS_FILE));

        assertEquals(Optional.empty(), LocalUser.provision(etc, new SecureRandom()));

        assertEquals(first, secret());
        assertArrayEquals(afterFirst, Files.readAllBytes(etc.resolve(LocalUser.USERS_FILE)));
    }

    @Test
    void twoInstallationsGetDifferentSecrets(@TempDir Path otherEtc) throws IOException {
        Files.writeString(etc.resolve(LocalUser.USERS_FILE), SHIPPED);
        Files.writeString(otherEtc.resolve(LocalUser.USERS_FILE), SHIPPED);

        LocalUser.provision(etc, new SecureRandom());
        LocalUser.provision(otherEtc, new SecureRandom());

        assertNotEquals(secret(), Files.readString(otherEtc.resolve(LocalUser.SECRET_FILE)).strip());
    }

    @Test
    void withoutAUsersFileOrItsAdminGroupBothAreCreated() throws IOException {
        LocalUser.provision(etc, new SecureRandom());

        assertEquals(secret() + ",_g_:admingroup", users().getProperty("karaf"));
        assertEquals(LocalUser.GROUP_ROLES, users().getProperty("_g_:admingroup"));
        assertEquals("rw-------", mode(LocalUser.USERS_FILE));
    }

    @Test
    void aLastLineWithoutNewlineStaysItsOwnLine() throws IOException {
        Files.writeString(etc.resolve(LocalUser.USERS_FILE), SHIPPED.strip());

        LocalUser.provision(etc, new SecureRandom());

        assertEquals("group,admin,manager,viewer,systembundles,ssh", users().getProperty("_g_:admingroup"));
        assertEquals(secret() + ",_g_:admingroup", users().getProperty("karaf"));
    }

    @Test
    void aSecretReplacesOneAStaleFileLeft() throws IOException {
        // The user was removed (by hand, or jaas:userdel) and the old secret is on disk: it must not stay valid-looking.
        Files.writeString(etc.resolve(LocalUser.USERS_FILE), SHIPPED);
        Files.writeString(etc.resolve(LocalUser.SECRET_FILE), "stale\n");

        LocalUser.provision(etc, new SecureRandom());

        assertNotEquals("stale", secret());
        assertEquals(secret() + ",_g_:admingroup", users().getProperty("karaf"));
        assertEquals("rw-------", mode(LocalUser.SECRET_FILE));
    }
}
