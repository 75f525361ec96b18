package io.pgfleet.controlplane.fleet;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;

@Entity
@Table(name = "fleet_user")
public class UserEntity extends PanacheEntityBase {
    @Id
    public String name;
    @Column(name = "scram_verifier", nullable = false)
    public String scramVerifier;
    /** AES-GCM ciphertext; see {@link io.pgfleet.controlplane.security.SecretCipher}. */
    @Column(name = "server_password_enc", nullable = false)
    public String serverPasswordEnc;
    @Column(nullable = false)
    public long revision;
    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;

    @Override
    public String toString() {
        return "UserEntity[" + name + ", revision " + revision + "]"; // never a secret
    }
}
