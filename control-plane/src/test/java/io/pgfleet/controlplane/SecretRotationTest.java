package io.pgfleet.controlplane;

import io.pgfleet.controlplane.security.SecretCipher;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;

import static io.pgfleet.controlplane.TestTokens.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Key rotation: with the old key moved to previous-keys, passwords sealed under it still
 * reach nodes, and POST /secrets/rotate re-seals them (and their audit copies) under the
 * new key, so the old key can be dropped.
 */
@QuarkusTest
@TestProfile(SecretRotationTest.RotatedKey.class)
@QuarkusTestResource(PostgresTestResource.class)
class SecretRotationTest {
    static final String OLD_KEY = "b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleTE=";
    static final String NEW_KEY = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleTI=";

    public static class RotatedKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pgfleet.secrets.key", NEW_KEY, "pgfleet.secrets.previous-keys", OLD_KEY);
        }
    }

    @Test
    void rotationResealsOldCiphertextsUnderTheNewKey() throws Exception {
        given().contentType(ContentType.JSON).body("{\"password\": \"rotate-me-please\"}")
                .put("/api/v1/fleets/default/users/rotating").then().statusCode(201);
        SecretCipher oldOnly = new SecretCipher(OLD_KEY, List.of());
        SecretCipher newOnly = new SecretCipher(NEW_KEY, List.of());
        String sealedByOld = oldOnly.encrypt("rotate-me-please");
        try (Connection db = controlPlaneDatabase()) {
            // As if the user had been written before the rotation, under the old key.
            db.createStatement().execute("UPDATE desired_resource SET spec = jsonb_set(spec, '{serverPasswordSealed}', to_jsonb('"
                    + sealedByOld + "'::text)) WHERE kind = 'user' AND name = 'rotating'");
            db.createStatement().execute("UPDATE config_change SET after = jsonb_set(after, '{serverPasswordSealed}', to_jsonb('"
                    + sealedByOld + "'::text)) WHERE kind = 'user' AND name = 'rotating'");
        }

        int resealed = given().post("/api/v1/secrets/rotate").then().statusCode(200)
                .body("currentKeyId", equalTo(newOnly.currentKeyId())).extract().jsonPath().getInt("resealed");
        assertThat(resealed).isGreaterThanOrEqualTo(2);

        try (Connection db = controlPlaneDatabase()) {
            for (String query : List.of(
                    "SELECT spec->>'serverPasswordSealed' FROM desired_resource WHERE kind = 'user' AND name = 'rotating'",
                    "SELECT after->>'serverPasswordSealed' FROM config_change WHERE kind = 'user' AND name = 'rotating'")) {
                try (ResultSet rs = db.createStatement().executeQuery(query)) {
                    assertThat(rs.next()).isTrue();
                    String sealed = rs.getString(1);
                    assertThat(sealed).startsWith(newOnly.currentKeyId() + ":");
                    assertThat(newOnly.decrypt(sealed)).isEqualTo("rotate-me-please"); // readable without the old key
                }
            }
        }
        assertThat(given().post("/api/v1/secrets/rotate").jsonPath().getInt("resealed")).isZero();
    }

    private static Connection controlPlaneDatabase() throws Exception {
        return DriverManager.getConnection(PostgresTestResource.server().jdbcUrl("pgfleet"), "pgfleet", "pgfleet-test-password");
    }
}
